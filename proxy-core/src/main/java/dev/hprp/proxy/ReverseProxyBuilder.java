package dev.hprp.proxy;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * Assembles a {@link ReverseProxy}; get one from {@link ReverseProxy#builder(Vertx)}.
 *
 * <p>Defaults: round-robin, no active health check, passive health on ({@link PassiveHealthOptions} defaults),
 * {@link ReverseProxyOptions} defaults (TCP mode), {@link HttpOptions} defaults. Not thread-safe; each setter replaces the previous value and returns
 * {@code this}; arguments are never null; {@link #build()} checks the rules that span settings and may be called
 * more than once.
 */
public interface ReverseProxyBuilder {

  /**
   * Replaces the fixed backends with {@code backends} (in order), which the proxy balances over with those its
   * {@linkplain #discovery discovery sources} find; {@link #build()} needs at least one backend or source.
   */
  ReverseProxyBuilder backends(List<Backend> backends);

  /** Adds one fixed backend after those already set. */
  ReverseProxyBuilder backend(Backend backend);

  /**
   * Replaces the discovery sources with {@code sources}: the proxy balances over the union of what they find and the
   * fixed {@linkplain #backends backends} (an address found twice is taken from the first: the fixed ones, then the
   * sources in order), and follows their changes; see {@link BackendDiscovery}. None by default.
   */
  ReverseProxyBuilder discovery(BackendDiscovery... sources);

  /** Replaces the discovery sources with {@code sources}, as {@link #discovery(BackendDiscovery...)} does. */
  ReverseProxyBuilder discovery(List<BackendDiscovery> sources);

  /** Sets the balancing strategy; default {@link Balancer#roundRobin()}. */
  ReverseProxyBuilder balancer(Balancer balancer);

  /** Turns active health checks on with {@code check}, scheduled per {@code options} (copied). */
  ReverseProxyBuilder healthCheck(HealthCheck check, HealthCheckOptions options);

  /** Turns active health checks off (the default): backends are UP unless passive health ejects them. */
  ReverseProxyBuilder noHealthCheck();

  /** Sets passive health (outlier ejection) options (copied); on with defaults unless set. */
  ReverseProxyBuilder passiveHealth(PassiveHealthOptions options);

  /** Adds a listener told of every backend event: added, removed, health or admin state changed. */
  ReverseProxyBuilder onBackendEvent(BackendListener listener);

  /** Sets the PROXY protocol options (copied): off on both sides unless set. */
  ReverseProxyBuilder proxyProtocol(ProxyProtocolOptions options);

  /**
   * Terminates TLS on the listening port with {@code options} (copied); off unless set. Its files are read by
   * {@link #build()}, which fails with {@link IllegalArgumentException} naming them when they cannot be used.
   */
  ReverseProxyBuilder tls(TlsOptions options);

  /** Connects to every backend over TLS with {@code options} (copied); off unless set. */
  ReverseProxyBuilder backendTls(BackendTlsOptions options);
  /**
   * Adds a listener told of every relayed connection (HTTP mode: every request) once it has ended, with its
   * {@link ConnectionRecord}: the backends tried, the bytes, the timings, how it ended. Without any, no record is
   * built.
   */
  ReverseProxyBuilder onConnection(ConnectionListener listener);

  /** Sets listening and connection options (copied), the {@link ProxyMode} and the pool size among them. */
  ReverseProxyBuilder with(ReverseProxyOptions options);

  /** Sets HTTP mode's options (copied); {@link HttpOptions} defaults unless set; ignored in TCP mode. */
  ReverseProxyBuilder http(HttpOptions options);

  /**
   * Builds the proxy, not yet started.
   *
   * @throws IllegalStateException when no backend nor discovery source is set, a fixed address is listed twice, the
   *     passive health maximum ejection time is below its base time, or the pool size is 0 in HTTP mode
   * @throws IllegalArgumentException when a TLS file cannot be read or used, naming it
   */
  ReverseProxy build();
}
