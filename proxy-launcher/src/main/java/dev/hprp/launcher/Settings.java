package dev.hprp.launcher;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import java.util.List;

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
    AdminSettings admin) {

  /** A builder holding every setting, proxying to {@code sources} (the demo's backends, or {@link #backends}). */
  ReverseProxyBuilder builder(Vertx vertx, List<BackendDiscovery> sources) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx)
        .discovery(sources)
        .balancer(balancer)
        .passiveHealth(passive)
        .with(options)
        .http(http);
    if (admin.accessLog()) {
      builder.onConnection(AccessLog::write);
    }
    healthCheck.check().ifPresentOrElse(check -> builder.healthCheck(check, health), builder::noHealthCheck);
    return builder;
  }
}
