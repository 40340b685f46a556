package dev.hprp.proxy.health;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;

/**
 * What one probe of a {@link HealthCheck} gets: the backend to probe, the {@code Vertx} to do it with, and the time
 * it has.
 *
 * <p>Immutable; one instance per probe. The probe runs on a Vert.x event loop.
 */
public interface HealthCheckContext {

  /** The backend to probe; never null. */
  Backend backend();

  /** The proxy's {@code Vertx}, for clients and timers; never null. */
  Vertx vertx();

  /**
   * How long the probe may take; the monitor fails it after this anyway, so a check only needs to use it to bound
   * its own connects and requests. Positive, never null.
   */
  Duration timeout();

  /**
   * The PROXY protocol header a probe sends first, for backends that require one: a {@code LOCAL} (v2) or
   * {@code UNKNOWN} (v1) header, which says the connection is the proxy's own (see
   * {@link dev.hprp.proxy.ProxyProtocolOptions#isSendToHealthChecks()}); {@link ProxyProtocolVersion#NONE} for none,
   * the default. Both built-in checks honour it: the TCP check sends it and closes; the HTTP check sends it before its
   * GET, and before the TLS handshake when there is one ({@link #backendTls()}), as the proxy's own connections do.
   */
  default ProxyProtocolVersion proxyProtocol() {
    return ProxyProtocolVersion.NONE;
  }

  /**
   * The TLS the proxy speaks to the backends ({@link dev.hprp.proxy.ReverseProxyBuilder#backendTls}); empty when it
   * speaks plain TCP, the default. A check that speaks the backends' own protocol on the port clients are relayed to
   * needs it: the built-in HTTP check does its GET over TLS with it, verifying the backend's certificate as the proxy
   * does. The TCP check needs none to see a connect accepted.
   */
  default Optional<BackendTlsOptions> backendTls() {
    return Optional.empty();
  }
}
