package dev.hprp.proxy.reliability;

import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Proxy set-up and settling shared by the reliability tests. */
final class Proxies {

  /**
   * How a {@link LoadClient} failure reads when the proxy closed the client without an answer: a FIN, or a reset when
   * the client's request was still unread in the proxy's socket (the kernel resets a socket closed with unread data),
   * or, closed before the client wrote, its write failing.
   */
  /**
   * What separates "promptly" from "never" on this machine: it has 2 cores shared with other work, and under that
   * pressure event loops were seen descheduled for up to 5 s (Vert.x's blocked-thread checker reported it on code
   * that does not block). Bounds on "closed promptly" add this; a real hang still fails.
   */
  static final Duration PAUSE_ALLOWANCE = Duration.ofSeconds(10);
  /** Deadline of one load-client exchange: a hang shows as "no answer" after it. */
  static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(20);
  /** Bound of every wait for a state to settle; it returns as soon as the state is reached. */
  static final Duration SETTLE = Duration.ofSeconds(20);

  static final String CLOSED_UNANSWERED = "closed after 0 of \\d+ answer bytes|error: .*Connection reset by peer"
      + "|write failed: .*(ClosedChannelException|Connection was closed)";

  private Proxies() {
  }

  /** Starts one test backend per mode given, in that order, on loopback and ephemeral ports. */
  static List<TestBackend> backends(Vertx vertx, TestBackend.Mode... modes) {
    return Arrays.stream(modes).map(mode -> TestBackend.start(vertx, mode).await()).toList();
  }

  /** A builder for a proxy on {@code 127.0.0.1} and an ephemeral port in front of {@code backends}. */
  static ReverseProxyBuilder builder(Vertx vertx, List<TestBackend> backends) {
    return ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .with(loopback());
  }

  /** Options listening on {@code 127.0.0.1} and an ephemeral port; the other settings at their defaults. */
  static ReverseProxyOptions loopback() {
    return new ReverseProxyOptions().setHost("127.0.0.1").setPort(0);
  }

  /**
   * Relays a few hundred exchanges through a throw-away proxy in front of the echo backend {@code echo}, so that the
   * relay path is loaded and compiled before a test times or counts anything: the first connections of a cold JVM
   * took over a second here.
   */
  static void warmUp(Vertx vertx, TestBackend echo) throws TimeoutException {
    ReverseProxy proxy = builder(vertx, List.of(echo)).build();
    proxy.start().await(10, TimeUnit.SECONDS);
    Buffer ping = Buffer.buffer("warm");
    LoadClient.start(vertx, proxy.actualPort(), ping, ping, 4, 200, EXCHANGE_TIMEOUT)
        .done().await(30, TimeUnit.SECONDS);
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  /** Waits (at most {@link #SETTLE}) until no backend has an active connection: every relay has finished and counted. */
  static void awaitNoActiveConnections(ReverseProxy proxy) {
    await("active connections back to 0").atMost(SETTLE)
        .until(() -> activeConnections(proxy) == 0);
  }

  /** Active connections summed over the backends. */
  static int activeConnections(ReverseProxy proxy) {
    return proxy.backends().stream().mapToInt(BackendStatus::activeConnections).sum();
  }

  /** Relayed connections since start, summed over the backends. */
  static long totalConnections(ReverseProxy proxy) {
    return proxy.backends().stream().mapToLong(BackendStatus::totalConnections).sum();
  }

  /** Failed connects since start, summed over the backends. */
  static long failedConnects(ReverseProxy proxy) {
    return proxy.backends().stream().mapToLong(BackendStatus::failedConnects).sum();
  }
}
