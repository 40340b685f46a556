package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the command runs, every value validated by the core: made by {@link HprpCommand#settings()} from the collected
 * flags, used once by the command. The option objects are the command's own (not copied); nothing else holds them.
 *
 * @param backends    the backends given, empty with {@code --demo}
 * @param demo        whether to start the demo backends and proxy to them
 * @param balancer    the balancer
 * @param healthCheck the active health check, {@code none} included
 * @param health      its schedule and thresholds
 * @param passive     passive health
 * @param options     listening and connection options
 * @param transport   the I/O transport chosen
 * @param admin       the admin endpoint, the access log and the drain
 * @param backendLimits connection limits of backends that have their own (from the config file), by backend id
 * @param configFile  the {@code --config} file read, as named on the command line; empty without one
 * @param proxyProtocol the PROXY protocol on both sides
 * @param tls         TLS termination; empty without
 * @param backendTls  TLS to the backends; empty without
 */
record Settings(
    List<Backend> backends,
    boolean demo,
    Balancer balancer,
    HealthCheckChoice healthCheck,
    HealthCheckOptions health,
    PassiveHealthOptions passive,
    ReverseProxyOptions options,
    TransportChoice transport,
    AdminSettings admin,
    Map<String, Integer> backendLimits,
    Optional<String> configFile,
    ProxyProtocolOptions proxyProtocol,
    Optional<TlsOptions> tls,
    Optional<BackendTlsOptions> backendTls) {

  /**
   * Gives each backend its connection limit: its own, else {@code --backend-max-connections}; so that a backend whose
   * own limit left the file returns to the common one.
   */
  void applyBackendLimits(ReverseProxy proxy) {
    for (Backend backend : backends) {
      proxy.setBackendMaxConnections(backend.id(),
          backendLimits.getOrDefault(backend.id(), options.getBackendMaxConnections()));
    }
  }

  /** A builder holding every setting, proxying to {@code targets} (the demo's backends, or {@link #backends}). */
  ReverseProxyBuilder builder(Vertx vertx, List<Backend> targets) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx)
        .backends(targets)
        .balancer(balancer)
        .passiveHealth(passive)
        .proxyProtocol(proxyProtocol)
        .with(options);
    tls.ifPresent(builder::tls);
    backendTls.ifPresent(builder::backendTls);
    if (admin.accessLog()) {
      builder.onConnection(AccessLog::write);
    }
    healthCheck.check().ifPresentOrElse(check -> builder.healthCheck(check, health), builder::noHealthCheck);
    return builder;
  }
}
