package dev.hprp.proxy.health;

import io.vertx.core.Future;
import java.util.function.IntPredicate;

/**
 * An active health probe: one method, run periodically per backend by the proxy's health monitor, which owns the
 * schedule (interval, jitter, no overlapping probes), the timeout and the rise/fall thresholds.
 *
 * <p>A probe succeeds by completing the future, fails by failing it (the cause's message is logged on a transition,
 * so make it say what was seen: {@code "HTTP 503"}, {@code "connection refused"}). Called on an event loop: never
 * block.
 *
 * <pre>{@code
 * builder.healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofSeconds(5)))
 * }</pre>
 */
@FunctionalInterface
public interface HealthCheck {

  /**
   * Probes {@code context.backend()} once.
   *
   * @param context the backend, the {@code Vertx} and the time allowed; never null
   * @return a future completed when healthy, failed with the reason otherwise; never null
   */
  Future<Void> check(HealthCheckContext context);

  /** Healthy when a TCP connection to the backend opens; it is closed at once. The launcher's default. */
  static HealthCheck tcpConnect() {
    return TcpConnectCheck.INSTANCE;
  }

  /**
   * Healthy when {@code GET path} answers 2xx or 3xx, like HAProxy's {@code option httpchk}.
   *
   * @param path request path starting with {@code /}, such as {@code /health}
   */
  static HealthCheck httpGet(String path) {
    return httpGet(path, status -> status >= 200 && status < 400);
  }

  /**
   * Healthy when {@code GET path} answers a status accepted by {@code expectedStatus}.
   *
   * @param path           request path starting with {@code /}
   * @param expectedStatus which status codes mean healthy; never null
   */
  static HealthCheck httpGet(String path, IntPredicate expectedStatus) {
    return new HttpGetCheck(path, expectedStatus);
  }
}
