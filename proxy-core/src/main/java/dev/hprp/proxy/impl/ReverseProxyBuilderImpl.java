package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ConnectionListener;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The one {@link ReverseProxyBuilder}: collects settings, copies the mutable ones, checks them in {@link #build()}. */
public final class ReverseProxyBuilderImpl implements ReverseProxyBuilder {

  private final Vertx vertx;
  private final List<Backend> backends = new ArrayList<>();
  private final List<BackendDiscovery> discovery = new ArrayList<>();
  private Balancer balancer = Balancer.roundRobin();
  private HealthCheck healthCheck;
  private HealthCheckOptions healthCheckOptions = new HealthCheckOptions();
  private PassiveHealthOptions passiveHealthOptions = new PassiveHealthOptions();
  private ReverseProxyOptions options = new ReverseProxyOptions();
  private HttpOptions httpOptions = new HttpOptions();
  private final List<BackendListener> listeners = new ArrayList<>();
  private ProxyProtocolOptions proxyProtocol = new ProxyProtocolOptions();
  private TlsOptions tls;
  private BackendTlsOptions backendTls;
  private final List<ConnectionListener> connectionListeners = new ArrayList<>();

  /** Called by {@link ReverseProxy#builder(Vertx)}. */
  public ReverseProxyBuilderImpl(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
  }

  @Override
  public ReverseProxyBuilder backends(List<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    this.backends.clear();
    backends.forEach(this::backend);
    return this;
  }

  @Override
  public ReverseProxyBuilder backend(Backend backend) {
    backends.add(Objects.requireNonNull(backend, "backend"));
    return this;
  }

  @Override
  public ReverseProxyBuilder discovery(BackendDiscovery... sources) {
    return discovery(List.of(Objects.requireNonNull(sources, "sources")));
  }

  @Override
  public ReverseProxyBuilder discovery(List<BackendDiscovery> sources) {
    Objects.requireNonNull(sources, "sources");
    this.discovery.clear();
    sources.forEach(source -> this.discovery.add(Objects.requireNonNull(source, "source")));
    return this;
  }

  @Override
  public ReverseProxyBuilder balancer(Balancer balancer) {
    this.balancer = Objects.requireNonNull(balancer, "balancer");
    return this;
  }

  @Override
  public ReverseProxyBuilder healthCheck(HealthCheck check, HealthCheckOptions options) {
    this.healthCheck = Objects.requireNonNull(check, "check");
    this.healthCheckOptions = new HealthCheckOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder noHealthCheck() {
    this.healthCheck = null;
    this.healthCheckOptions = new HealthCheckOptions();
    return this;
  }

  @Override
  public ReverseProxyBuilder passiveHealth(PassiveHealthOptions options) {
    this.passiveHealthOptions = new PassiveHealthOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder onBackendEvent(BackendListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  @Override
  public ReverseProxyBuilder onConnection(ConnectionListener listener) {
    connectionListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  @Override
  public ReverseProxyBuilder with(ReverseProxyOptions options) {
    this.options = new ReverseProxyOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder http(HttpOptions options) {
    this.httpOptions = new HttpOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder proxyProtocol(ProxyProtocolOptions options) {
    this.proxyProtocol = new ProxyProtocolOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder tls(TlsOptions options) {
    this.tls = new TlsOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxyBuilder backendTls(BackendTlsOptions options) {
    this.backendTls = new BackendTlsOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  @Override
  public ReverseProxy build() {
    if (backends.isEmpty() && discovery.isEmpty()) {
      throw new IllegalStateException("backends: none set (expected: at least one backend or discovery source)");
    }
    Set<String> ids = new HashSet<>();
    for (Backend backend : backends) {
      if (!ids.add(backend.id())) {
        throw new IllegalStateException("backends: " + backend.id() + " is listed twice");
      }
    }
    if (passiveHealthOptions.getMaxEjectionTime().compareTo(passiveHealthOptions.getBaseEjectionTime()) < 0) {
      throw new IllegalStateException("passive health: maxEjectionTime "
          + Durations.format(passiveHealthOptions.getMaxEjectionTime()) + " is below baseEjectionTime "
          + Durations.format(passiveHealthOptions.getBaseEjectionTime()));
    }
    if (options.getMode() == ProxyMode.HTTP && options.getPoolSize() == 0) {
      throw new IllegalStateException("poolSize: 0 (expected: 1-" + ReverseProxyOptions.MAX_POOL_SIZE
          + " in HTTP mode)");
    }
    return new ReverseProxyImpl(vertx, new ProxyConfig(
        List.copyOf(backends),
        List.copyOf(discovery),
        balancer,
        healthCheck,
        new HealthCheckOptions(healthCheckOptions),
        new PassiveHealthOptions(passiveHealthOptions),
        new ReverseProxyOptions(options),
        new HttpOptions(httpOptions),
        List.copyOf(listeners),
        new ProxyProtocolOptions(proxyProtocol),
        tls == null ? null : new TlsOptions(tls),
        backendTls == null ? null : new BackendTlsOptions(backendTls),
        List.copyOf(connectionListeners)));
  }
}
