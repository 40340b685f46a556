package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the command runs, every value validated by the core: made by {@link HprpCommand#settings()} from the collected
 * flags, used once by the command. The option objects are the command's own (not copied); nothing else holds them.
 *
 * @param backends    the backends given (fixed ones and DNS entries, as sources), empty with {@code --demo}
 * @param dns         how the DNS entries among them resolve
 * @param demo        whether to start the demo backends and proxy to them
 * @param balancer    the balancer
 * @param healthCheck the active health check, {@code none} included
 * @param health      its schedule and thresholds
 * @param passive     passive health
 * @param options     listening and connection options, the mode and pool size among them
 * @param http        HTTP mode's options
 * @param transport   the I/O transport chosen
 * @param admin       the admin endpoint, the access log and the drain
 * @param backendLimits connection limits of backends that have their own (from the config file), by backend id
 * @param configFile  the {@code --config} file read, as named on the command line; empty without one
 * @param proxyProtocol the PROXY protocol on both sides
 * @param tls         TLS termination; empty without
 * @param backendTls  TLS to the backends; empty without
 */
record Settings(
    List<BackendDiscovery> backends,
    DnsDiscoveryOptions dns,
    boolean demo,
    Balancer balancer,
    HealthCheckChoice healthCheck,
    HealthCheckOptions health,
    PassiveHealthOptions passive,
    ReverseProxyOptions options,
    HttpOptions http,
    TransportChoice transport,
    AdminSettings admin,
    Map<String, Integer> backendLimits,
    Optional<String> configFile,
    ProxyProtocolOptions proxyProtocol,
    Optional<TlsOptions> tls,
    Optional<BackendTlsOptions> backendTls) {

  /**
   * Gives each backend of the proxy its connection limit: its own, else {@code --backend-max-connections}; so that a
   * backend whose own limit left the file returns to the common one. Backends a DNS entry brings later take the common
   * one when they join.
   */
  void applyBackendLimits(ReverseProxy proxy) {
    for (BackendStatus backend : proxy.backends()) {
      // A backend leaving meanwhile fails its future: nothing to limit any more.
      proxy.setBackendMaxConnections(backend.id(),
          backendLimits.getOrDefault(backend.id(), options.getBackendMaxConnections()));
    }
  }

  /**
   * The backends when every {@code --backends} entry is a fixed address, as a reload can replace them; empty when an
   * entry is {@code dns:} or {@code srv:} (its backends come from DNS) or with {@code --demo}.
   */
  Optional<List<Backend>> fixedBackends() {
    if (demo) {
      return Optional.empty();
    }
    try {
      return Optional.of(Backend.parseList(backends.stream().map(Object::toString).collect(Collectors.joining(","))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A builder holding every setting, proxying to {@code sources} (the demo's backends, or {@link #backends}). */
  ReverseProxyBuilder builder(Vertx vertx, List<BackendDiscovery> sources) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx)
        .discovery(sources)
        .balancer(balancer)
        .passiveHealth(passive)
        .with(options)
        .http(http)
        .proxyProtocol(proxyProtocol);
    tls.ifPresent(builder::tls);
    backendTls.ifPresent(builder::backendTls);
    if (admin.accessLog()) {
      builder.onConnection(AccessLog::write);
    }
    healthCheck.check().ifPresentOrElse(check -> builder.healthCheck(check, health), builder::noHealthCheck);
    return builder;
  }
}
