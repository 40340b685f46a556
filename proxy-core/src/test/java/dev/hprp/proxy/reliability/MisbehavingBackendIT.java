package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static dev.hprp.proxy.testing.TestBackend.Mode.FIXED_RESPONSE;
import static dev.hprp.proxy.testing.TestBackend.Mode.RESET_ON_ACCEPT;
import static dev.hprp.proxy.testing.TestBackend.Mode.UNRESPONSIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.EchoStream;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.HandshakeBlackHole;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
   *
   * <p>The idle timeout stays short (the test waits for the connect timeout above it), so the verdict does not rest
   * on the exchange beating it: a stall of this busy machine (seen up to 5 s) between the failover and the echo may
   * legitimately let the idle timeout cut the relayed connection. What must never happen is the cut the bug made:
   * the client closed while the proxy had not yet given up on the black hole. So the client, when it is closed,
   * reads the black hole's failed-connect count at that moment: it must already be 1.
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
      NetClient client = vertx.createNetClient();

      // Round-robin sends the first client to the black hole: 600 ms of connect timeout, then the echo backend.
      Promise<Buffer> echoed = Promise.promise();
      Promise<Long> failedConnectsWhenClosed = Promise.promise();
      Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1").map(socket -> {
        Buffer received = Buffer.buffer();
        socket.handler(data -> {
          received.appendBuffer(data);
          if (received.length() >= PING.length()) {
            echoed.tryComplete(received);
          }
        });
        socket.closeHandler(v -> failedConnectsWhenClosed.tryComplete(proxy.backends().get(0).failedConnects()));
        return socket.write(PING);
      })).await(10, TimeUnit.SECONDS);
      Future.any(echoed.future(), failedConnectsWhenClosed.future()).await(Proxies.SETTLE.toSeconds(),
          TimeUnit.SECONDS);

      if (echoed.future().succeeded()) {
        assertThat(echoed.future().result()).as("the echo, after the failover").isEqualTo(PING);
      } else {
        assertThat(failedConnectsWhenClosed.future().result())
            .as("connects to the black hole given up when the client was closed: none means it was cut while the "
                + "proxy was still connecting")
            .isOne();
      }
      await("the first connect went to the black hole and timed out").atMost(Proxies.SETTLE)
          .until(() -> proxy.backends().get(0).failedConnects() == 1);
      assertThat(proxy.backends().get(1).totalConnections()).as("the client failed over to the echo backend").isOne();
      client.close().await(10, TimeUnit.SECONDS);
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

  /**
   * A backend that resets its connections in the middle of a stream (an SO_LINGER 0 close once it has echoed
   * 256 KiB): each client relayed to it sees its connection closed promptly (by a reset or a close), every byte it
   * got back one it sent; the streams relayed to the other backends keep flowing, new clients are served meanwhile,
   * and the active counts return to 0.
   */
  @Test
  void backendResettingMidStreamClosesItsClientsPromptlyWhileTheOthersServe() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> echoes = Proxies.backends(vertx, ECHO, ECHO);
    List<Long> resets = new CopyOnWriteArrayList<>();
    NetServer resetter = resettingEcho(vertx, 256 * 1024, resets).await(10, TimeUnit.SECONDS);
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(List.of(new Backend("127.0.0.1", resetter.actualPort()), echoes.get(0).backend(),
            echoes.get(1).backend()))
        .with(Proxies.loopback())
        .build();
    proxy.start().await(10, TimeUnit.SECONDS);
    NetClient client = vertx.createNetClient();

    // One after the other, before any other client, each once the proxy has relayed it: round-robin relays streams
    // 0, 3 and 6 to the resetter. The wait is what keeps that order: a stream is open once the kernel completed its
    // handshake, but its backend is picked later, on the event loop of the proxy's server that accepted it (one per
    // event loop), so without it a stream could be picked before the one opened just ahead of it and take its turn.
    List<EchoStream> streams = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      streams.add(EchoStream.open(vertx, client, proxy.actualPort(), 16 * 1024, Duration.ZERO)
          .await(10, TimeUnit.SECONDS));
      long relayed = i + 1;
      await("stream " + i + " relayed").atMost(Proxies.SETTLE)
          .until(() -> Proxies.totalConnections(proxy) == relayed);
    }
    assertThat(proxy.backends()).extracting(BackendStatus::totalConnections).as("streams relayed to each backend")
        .containsExactly(3L, 3L, 3L);
    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 4, Long.MAX_VALUE,
        Proxies.EXCHANGE_TIMEOUT);
    await("the resetter reset its three streams").atMost(Proxies.SETTLE).until(() -> resets.size() == 3);
    List<EchoStream> cut = List.of(streams.get(0), streams.get(3), streams.get(6));
    Future.all(cut.stream().map(EchoStream::closed).toList()).await(Proxies.SETTLE.toSeconds(), TimeUnit.SECONDS);
    List<EchoStream> survivors = streams.stream().filter(s -> !cut.contains(s)).toList();
    long[] echoedAtCut = survivors.stream().mapToLong(EchoStream::echoed).toArray();
    await("the other streams keep flowing").atMost(Proxies.SETTLE).until(() -> {
      for (int i = 0; i < survivors.size(); i++) {
        if (survivors.get(i).echoed() < echoedAtCut[i] + (1 << 20)) {
          return false;
        }
      }
      return true;
    });
    long servedMeanwhile = load.succeeded();
    load.stop().await(30, TimeUnit.SECONDS);

    // A cut stream's longest silence runs from its last write (the chunk the resetter answered with a reset) to its
    // close: the reset-to-close time, and then some.
    long slowestClose = cut.stream().mapToLong(EchoStream::longestSilenceNanos).max().orElseThrow();
    assertThat(slowestClose).as("slowest close of a reset stream after its last write")
        .isLessThan(Proxies.PAUSE_ALLOWANCE.toNanos());
    assertThat(cut).as("streams relayed to the resetter: every byte echoed was one sent")
        .noneMatch(EchoStream::corrupt)
        .allSatisfy(s -> assertThat(s.echoed()).isLessThan(256 * 1024 + 16 * 1024));
    assertThat(survivors).as("streams relayed to the other backends").allSatisfy(s -> {
      assertThat(s.closedNanos()).isZero();
      assertThat(s.corrupt()).isFalse();
    });
    assertThat(load.failures()).as("clients served while the resets happened").isEmpty();
    assertThat(proxy.backends()).extracting(BackendStatus::failedConnects).containsOnly(0L);
    Future.all(survivors.stream().map(EchoStream::close).toList()).await(10, TimeUnit.SECONDS);
    Proxies.awaitNoActiveConnections(proxy);
    Figures.record("backend resetting mid-stream", "streams reset / closed with a reset seen by the client",
        cut.size() + " / " + cut.stream().filter(s -> s.error() != null).count());
    Figures.record("backend resetting mid-stream", "slowest close after the stream's last write",
        Figures.millis(slowestClose));
    Figures.record("backend resetting mid-stream", "clients served meanwhile / streams on the others kept flowing",
        servedMeanwhile + " / " + survivors.size());
    client.close().await(10, TimeUnit.SECONDS);
    proxy.close().await(10, TimeUnit.SECONDS);
    resetter.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * An echo server on {@code 127.0.0.1} that resets each connection (SO_LINGER 0 close, unsent bytes dropped) once
   * it has read {@code resetAfter} bytes from it, noting when in {@code resets}.
   */
  private static Future<NetServer> resettingEcho(Vertx vertx, long resetAfter, List<Long> resets) {
    return vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setSoLinger(0))
        .connectHandler(socket -> {
          long[] read = {0};
          socket.handler(data -> {
            read[0] += data.length();
            if (read[0] >= resetAfter) {
              socket.handler(null);
              resets.add(System.nanoTime());
              socket.close();
            } else {
              socket.write(data);
            }
          });
        })
        .listen();
  }
}
