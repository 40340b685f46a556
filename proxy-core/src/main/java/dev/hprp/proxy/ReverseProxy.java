package dev.hprp.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * A TCP reverse proxy: accepts client connections and relays each, bytes both ways with backpressure, to a backend
 * chosen by a {@link dev.hprp.proxy.balancer.Balancer} among the healthy ones.
 *
 * <pre>{@code
 * ReverseProxy proxy = ReverseProxy.builder(vertx)
 *     .backends(Backend.parseList("10.0.0.1:3001,10.0.0.2:3001"))
 *     .balancer(Balancer.leastConnections())
 *     .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions())
 *     .with(new ReverseProxyOptions().setPort(8080))
 *     .build();
 * proxy.start().await();
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #start()} and {@link #close()} each take
 * effect once; the proxy cannot be restarted after close. The {@code Vertx} stays the caller's: closing the proxy does
 * not close it.
 */
public interface ReverseProxy {

  /**
   * A builder for a proxy running on {@code vertx}. Its transport (native epoll/io_uring or NIO) and event-loop
   * pool are used as they are; create it with {@code Vertx.builder().withTransport(Transport.IO_URING)} or
   * {@code new VertxOptions().setPreferNativeTransport(true)} (epoll) for a native one.
   *
   * @param vertx never null
   */
  static ReverseProxyBuilder builder(Vertx vertx) {
    return new ReverseProxyBuilder(vertx);
  }

  /**
   * Runs the first round of health checks (bounded by their timeout) so no client goes to a dead backend, then
   * listens on every event loop.
   *
   * @return completes when listening; fails when the port cannot be bound or the proxy was closed; never null.
   *     Calling it again returns the same future.
   */
  Future<Void> start();

  /**
   * The port actually listened on: the configured one, or the ephemeral one chosen for port 0.
   *
   * @throws IllegalStateException before {@link #start()} has completed
   */
  int actualPort();

  /** A snapshot of every backend in configuration order: health and counters; never null. */
  List<BackendStatus> backends();

  /**
   * Stops accepting, closes every relayed connection and stops health checks.
   *
   * @return completes when everything is closed; never fails; calling it again returns the same future
   */
  Future<Void> close();
}
