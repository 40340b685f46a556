package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static dev.hprp.proxy.testing.TestBackend.Mode.FIXED_RESPONSE;
import static dev.hprp.proxy.testing.TestBackend.Mode.RESET_ON_ACCEPT;
import static dev.hprp.proxy.testing.TestBackend.Mode.UNRESPONSIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.HandshakeBlackHole;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backends that misbehave without being down: one that never completes the TCP handshake, one that completes it and
 * then stays silent, one that resets every connection it accepts. Each is next to two healthy echo backends, under
 * a load that must keep being served.
 *
 * <p>What TCP mode can do differs. A connect that times out is a connect failure: the client fails over to another
 * backend and passive health counts it. A backend that accepts and then resets has connected as far as TCP goes: by
 * the time the reset arrives the client's first bytes may already have been relayed, and TCP mode cannot replay them
 * (it keeps no copy), so the client is closed, not retried, and passive health, which watches connects, does not see
 * it (HAProxy's {@code mode tcp} retries connects only, too). A silent backend is cut by the idle timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MisbehavingBackendIT {

  private static final Buffer PING = Buffer.buffer("ping");

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  void connectTimeoutFailsOverFromABackendThatDropsTheHandshakeUntilPassiveHealthEjectsIt() throws Exception {
    Vertx vertx = nativeVertx.get();
    Duration connectTimeout = Duration.ofMillis(250);
    try (HandshakeBlackHole hole = HandshakeBlackHole.open()) {
      List<TestBackend> healthy = Proxies.backends(vertx, ECHO, ECHO);
      ReverseProxy proxy = ReverseProxy.builder(vertx)
          .backends(List.of(hole.backend(), healthy.get(0).backend(), healthy.get(1).backend()))
          .with(Proxies.loopback().setConnectTimeout(connectTimeout))
          .build();
      proxy.start().await();

      // One client at a time, so that the failures before the ejection are counted exactly.
      LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 1, 30, Proxies.EXCHANGE_TIMEOUT);
      load.done().await(30, TimeUnit.SECONDS);

      assertThat(load.failures()).isEmpty();
      assertThat(load.succeeded()).isEqualTo(30);
      int consecutiveFailures = PassiveHealthOptions.DEFAULT_CONSECUTIVE_FAILURES;
      BackendStatus holeStatus = proxy.backends().get(0);
      assertThat(holeStatus.failedConnects()).as("connects timed out before the ejection")
          .isEqualTo(consecutiveFailures);
      assertThat(holeStatus.health()).isEqualTo(BackendHealth.EJECTED);
      assertThat(holeStatus.totalConnections()).isZero();
      assertThat(Proxies.totalConnections(proxy)).isEqualTo(30);
      assertThat(load.slowestSuccessNanos()).as("a client that met the black hole waited one connect timeout")
          .isGreaterThanOrEqualTo(connectTimeout.toNanos())
          .isLessThan(connectTimeout.plus(Proxies.PAUSE_ALLOWANCE).toNanos());
      Proxies.awaitNoActiveConnections(proxy);
      Figures.record("handshake black hole", "clients served / failed", load.succeeded() + " / 0");
      Figures.record("handshake black hole", "connect timeouts before ejection", holeStatus.failedConnects());
      Figures.record("handshake black hole", "slowest client (one failover)",
          Figures.millis(load.slowestSuccessNanos()));
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Guards a fixed bug: the client socket's idle timer ran while the proxy was still connecting, so a client whose
   * connect failed over after a timeout longer than the idle timeout was closed as "idle" although it sent its
   * request at once and only the proxy was waiting. {@link
   * dev.hprp.proxy.ReverseProxyOptions#getIdleTimeout()} promises to cut only a relayed connection with no traffic.
   */
  @Test
  void idleTimeoutDoesNotCutAClientWhileTheProxyIsStillConnecting() throws Exception {
    Vertx vertx = nativeVertx.get();
    try (HandshakeBlackHole hole = HandshakeBlackHole.open()) {
      TestBackend echo = TestBackend.start(vertx, ECHO).await();
      Proxies.warmUp(vertx, echo);
      ReverseProxy proxy = ReverseProxy.builder(vertx)
          .backends(List.of(hole.backend(), echo.backend()))
          .with(Proxies.loopback()
              .setConnectTimeout(Duration.ofMillis(600))
              .setIdleTimeout(Duration.ofMillis(300)))
          .build();
      proxy.start().await();

      // Round-robin sends the first client to the black hole: 600 ms of connect timeout, then the echo backend.
      LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 1, 1, Proxies.EXCHANGE_TIMEOUT);
      load.done().await(10, TimeUnit.SECONDS);

      await("the first connect went to the black hole and timed out").atMost(Proxies.SETTLE)
          .until(() -> proxy.backends().get(0).failedConnects() == 1);
      assertThat(load.failures()).as("the client waited for the proxy, it was not idle").isEmpty();
      assertThat(load.succeeded()).isOne();
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void silentBackendIsCutByTheIdleTimeoutWhileTheOthersServe() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, UNRESPONSIVE, ECHO, ECHO);
    Proxies.warmUp(vertx, backends.get(1));
    // Long enough that a pause of this busy machine (seen up to 5 s) does not cut a client of the echo backends too.
    Duration idleTimeout = Duration.ofSeconds(6);
    ReverseProxy proxy = Proxies.builder(vertx, backends)
        .with(Proxies.loopback().setIdleTimeout(idleTimeout))
        .build();
    proxy.start().await();

    // All at once, so the test waits for one idle timeout only.
    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 30, 30, Proxies.EXCHANGE_TIMEOUT);
    load.done().await(60, TimeUnit.SECONDS);

    BackendStatus silent = proxy.backends().get(0);
    assertThat(load.failures()).hasSize((int) silent.totalConnections())
        .allSatisfy(failure -> {
          assertThat(failure.reason()).isEqualTo("closed after 0 of 4 answer bytes");
          assertThat(failure.endNanos() - failure.startNanos()).as("cut by the idle timeout, not hanging")
              .isBetween(idleTimeout.toNanos(), idleTimeout.plus(Proxies.PAUSE_ALLOWANCE).toNanos());
        });
    assertThat(load.succeeded()).isEqualTo(30 - silent.totalConnections());
    assertThat(silent.totalConnections()).as("round-robin's share").isEqualTo(10);
    assertThat(backends.get(0).accepted()).isEqualTo(10);
    assertThat(proxy.backends()).extracting(BackendStatus::failedConnects).containsOnly(0L);
    Proxies.awaitNoActiveConnections(proxy);
    await("the proxy closed its side of every silent connection").atMost(Proxies.SETTLE)
        .until(() -> backends.get(0).sockets().isEmpty());
    Figures.record("silent backend (accepts, never answers)", "clients served / cut by the idle timeout",
        load.succeeded() + " / " + load.failures().size());
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void resetOnAcceptClosesItsClientsAtOnceAndIsEjectedByPassiveHealth() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, RESET_ON_ACCEPT, ECHO, ECHO);
    ReverseProxy proxy = Proxies.builder(vertx, backends).build();
    proxy.start().await();
    int clients = 6;

    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, clients, 60, Proxies.EXCHANGE_TIMEOUT);
    load.done().await(30, TimeUnit.SECONDS);

    // The reset may reach the proxy before its connect completed (a connect failure, failed over) or after (the
    // client, whose bytes may have been relayed, is closed; passive health counts it as a failure too): after the
    // default 5 failures in a row it is ejected, so at most those and the connections already in flight are lost.
    BackendStatus resetting = proxy.backends().get(0);
    assertThat(resetting.health()).isEqualTo(BackendHealth.EJECTED);
    assertThat(resetting.failedConnects()).as("failures until ejected, and those already in flight then")
        .isBetween((long) PassiveHealthOptions.DEFAULT_CONSECUTIVE_FAILURES,
            (long) PassiveHealthOptions.DEFAULT_CONSECUTIVE_FAILURES + clients);
    assertThat(backends.get(0).accepted()).isLessThanOrEqualTo(
        PassiveHealthOptions.DEFAULT_CONSECUTIVE_FAILURES + clients);
    assertThat(load.failures()).hasSizeLessThanOrEqualTo((int) resetting.totalConnections()).allSatisfy(failure -> {
      assertThat(failure.reason()).matches(Proxies.CLOSED_UNANSWERED);
      assertThat(failure.endNanos() - failure.startNanos()).as("closed at once")
          .isLessThan(Proxies.PAUSE_ALLOWANCE.toNanos());
    });
    assertThat(load.succeeded()).isEqualTo(60 - load.failures().size());
    assertThat(proxy.backends().subList(1, 3)).extracting(BackendStatus::failedConnects).containsOnly(0L);
    Proxies.awaitNoActiveConnections(proxy);
    long slowest = load.failures().stream().mapToLong(f -> f.endNanos() - f.startNanos()).max().orElseThrow();
    Figures.record("backend resetting on accept", "clients served / closed / failed over", load.succeeded() + " / "
        + load.failures().size() + " / " + (resetting.failedConnects() - load.failures().size()));
    Figures.record("backend resetting on accept", "slowest close of a reset client", Figures.millis(slowest));
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void backendAnsweringThenClosingIsNeverEjected() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = List.of(TestBackend.start(vertx, FIXED_RESPONSE, PING).await());
    ReverseProxy proxy = Proxies.builder(vertx, backends)
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(1))
        .build();
    proxy.start().await();

    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 4, 40, Proxies.EXCHANGE_TIMEOUT);
    load.done().await(30, TimeUnit.SECONDS);

    // Each connection ends with the backend's close, right after it answered: a working backend.
    assertThat(load.failures()).isEmpty();
    assertThat(proxy.backends()).singleElement().satisfies(status -> {
      assertThat(status.health()).isEqualTo(BackendHealth.UP);
      assertThat(status.failedConnects()).isZero();
      assertThat(status.totalConnections()).isEqualTo(40);
    });
    proxy.close().await(10, TimeUnit.SECONDS);
  }
}
