package dev.hprp.proxy;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.HealthListener;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.impl.ProxyConfig;
import dev.hprp.proxy.impl.ReverseProxyImpl;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Assembles a {@link ReverseProxy}; get one from {@link ReverseProxy#builder(Vertx)}.
 *
 * <p>Defaults: round-robin, no active health check, passive health on ({@link PassiveHealthOptions} defaults),
 * {@link ReverseProxyOptions} defaults. Not thread-safe; each setter replaces the previous value and returns
 * {@code this}; {@link #build()} checks the rules that span settings and may be called more than once.
 */
public final class ReverseProxyBuilder {

  private final Vertx vertx;
  private final List<Backend> backends = new ArrayList<>();
  private Balancer balancer = Balancer.roundRobin();
  private HealthCheck healthCheck;
  private HealthCheckOptions healthCheckOptions = new HealthCheckOptions();
  private PassiveHealthOptions passiveHealthOptions = new PassiveHealthOptions();
  private ReverseProxyOptions options = new ReverseProxyOptions();
  private final List<HealthListener> healthListeners = new ArrayList<>();

  ReverseProxyBuilder(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
  }

  /** Replaces the backends with {@code backends} (in order; at least one by {@link #build()}). */
  public ReverseProxyBuilder backends(List<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    this.backends.clear();
    backends.forEach(this::backend);
    return this;
  }

  /** Adds one backend after those already set. */
  public ReverseProxyBuilder backend(Backend backend) {
    backends.add(Objects.requireNonNull(backend, "backend"));
    return this;
  }

  /** Sets the balancing strategy; default {@link Balancer#roundRobin()}. */
  public ReverseProxyBuilder balancer(Balancer balancer) {
    this.balancer = Objects.requireNonNull(balancer, "balancer");
    return this;
  }

  /** Turns active health checks on with {@code check}, scheduled per {@code options} (copied). */
  public ReverseProxyBuilder healthCheck(HealthCheck check, HealthCheckOptions options) {
    this.healthCheck = Objects.requireNonNull(check, "check");
    this.healthCheckOptions = new HealthCheckOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  /** Turns active health checks off (the default): backends are UP unless passive health ejects them. */
  public ReverseProxyBuilder noHealthCheck() {
    this.healthCheck = null;
    this.healthCheckOptions = new HealthCheckOptions();
    return this;
  }

  /** Sets passive health (outlier ejection) options (copied); on with defaults unless set. */
  public ReverseProxyBuilder passiveHealth(PassiveHealthOptions options) {
    this.passiveHealthOptions = new PassiveHealthOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  /** Adds a listener told of every health transition. */
  public ReverseProxyBuilder onHealthChange(HealthListener listener) {
    healthListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** Sets listening and connection options (copied). */
  public ReverseProxyBuilder with(ReverseProxyOptions options) {
    this.options = new ReverseProxyOptions(Objects.requireNonNull(options, "options"));
    return this;
  }

  /**
   * Builds the proxy, not yet started.
   *
   * @throws IllegalStateException when no backend is set, an address is listed twice, or the passive health
   *     maximum ejection time is below its base time
   */
  public ReverseProxy build() {
    if (backends.isEmpty()) {
      throw new IllegalStateException("backends: none set (expected: at least one)");
    }
    for (int i = 0; i < backends.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (backends.get(i).id().equals(backends.get(j).id())) {
          throw new IllegalStateException("backends: " + backends.get(i).id() + " is listed twice");
        }
      }
    }
    if (passiveHealthOptions.getMaxEjectionTime().compareTo(passiveHealthOptions.getBaseEjectionTime()) < 0) {
      throw new IllegalStateException("passive health: maxEjectionTime "
          + Durations.format(passiveHealthOptions.getMaxEjectionTime()) + " is below baseEjectionTime "
          + Durations.format(passiveHealthOptions.getBaseEjectionTime()));
    }
    return new ReverseProxyImpl(vertx, new ProxyConfig(
        List.copyOf(backends),
        balancer,
        healthCheck,
        new HealthCheckOptions(healthCheckOptions),
        new PassiveHealthOptions(passiveHealthOptions),
        new ReverseProxyOptions(options),
        List.copyOf(healthListeners)));
  }
}
