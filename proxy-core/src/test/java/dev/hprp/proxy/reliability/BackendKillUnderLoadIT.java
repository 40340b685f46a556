package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.testing.HealthChanges;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.EchoStream;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Continuous traffic through three echo backends while one of them is killed and restarted, twice (more under
 * {@code -Psoak}).
 *
 * <p>Two kinds of traffic run at once: a {@link LoadClient} opening short connections back to back (each must be
 * served unless it was in flight at the kill: a refused connect fails over to another backend), and long-lived
 * {@link EchoStream}s, some of which are relayed to the victim when it dies. Those must be closed promptly, with
 * every byte they got back being one they sent; the close may be a reset rather than a FIN when the dying backend
 * reset them (the kernel resets a socket closed with unread data), which tells the client its transfer was cut.
 * Passive health is set to short ejections so the restarted backend is back within a second.
 */
class BackendKillUnderLoadIT {

  private static final String SCENARIO = "backend killed and restarted under load";
  /** Streams opened before each kill; with round-robin, the chance that none lands on the victim is (2/3)^30. */
  private static final int STREAMS_PER_ROUND = 30;
  private static final int LOAD_CONCURRENCY = 16;
  /** Kill-and-restart rounds: 2 by default, more under {@code -Psoak}. */
  private static final int ROUNDS = Integer.getInteger("hprp.reliability.killRounds", 2);

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  /** One kill: when it started, when the backend was fully closed, and the streams it cut. */
  private record Kill(long startNanos, long doneNanos, List<EchoStream> cut) {
  }

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void newConnectionsNeverFailWhileABackendIsKilledAndRestarted() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, ECHO, ECHO, ECHO);
    TestBackend victim = backends.get(1);
    HealthChanges healthChanges = new HealthChanges();
    List<BackendEvent.HealthChanged> transitions = healthChanges.list();
    ReverseProxy proxy = Proxies.builder(vertx, backends)
        .passiveHealth(new PassiveHealthOptions()
            .setBaseEjectionTime(Duration.ofMillis(300))
            .setMaxEjectionTime(Duration.ofMillis(600)))
        .onBackendEvent(healthChanges)
        .with(Proxies.loopback().setConnectTimeout(Duration.ofSeconds(1)))
        .build();
    proxy.start().await();
    int port = proxy.actualPort();
    NetClient streamClient = vertx.createNetClient();
    Buffer ping = Buffer.buffer("ping");
    LoadClient load = LoadClient.start(vertx, port, ping, ping, LOAD_CONCURRENCY, Long.MAX_VALUE,
        Proxies.EXCHANGE_TIMEOUT);

    List<Kill> kills = new ArrayList<>();
    List<Long> backToTrafficNanos = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      List<EchoStream> streams = openStreams(vertx, streamClient, port);
      long served = load.succeeded();
      await().atMost(Proxies.SETTLE).until(() -> load.succeeded() >= served + 200);

      long killStart = System.nanoTime();
      victim.close().await(10, TimeUnit.SECONDS);
      long killDone = System.nanoTime();
      await("victim's relays closed").atMost(Proxies.SETTLE)
          .until(() -> proxy.backends().get(1).activeConnections() == 0);
      // The proxy has closed them; on a loaded machine their clients may learn of it a little later.
      await("the victim's streams saw their close").atMost(Proxies.SETTLE)
          .until(() -> streams.stream().anyMatch(s -> s.closedNanos() != 0));
      kills.add(new Kill(killStart, killDone, streams.stream().filter(s -> s.closedNanos() != 0).toList()));
      long servedWhileDown = load.succeeded();
      await().atMost(Proxies.SETTLE).until(() -> load.succeeded() >= servedWhileDown + 200);
      assertStreamsOnSurvivorsStillFlow(streams);

      long victimTotal = proxy.backends().get(1).totalConnections();
      long restart = System.nanoTime();
      victim.restart().await(10, TimeUnit.SECONDS);
      await("restarted backend gets traffic").atMost(Proxies.SETTLE)
          .until(() -> proxy.backends().get(1).totalConnections() > victimTotal);
      backToTrafficNanos.add(System.nanoTime() - restart);
      Future.all(streams.stream().map(EchoStream::close).toList()).await(10, TimeUnit.SECONDS);
    }
    load.stop().await(30, TimeUnit.SECONDS);
    Proxies.awaitNoActiveConnections(proxy);

    List<LoadClient.Failure> failures = load.failures();
    List<LoadClient.Failure> outsideKills = failures.stream()
        .filter(f -> kills.stream().noneMatch(k -> f.startNanos() <= k.doneNanos() && f.endNanos() >= k.startNanos()))
        .toList();
    assertThat(outsideKills).as("exchanges that failed although they did not overlap a kill").isEmpty();
    assertThat(failures.size()).as("exchanges in flight at a kill, at most the concurrency per kill")
        .isLessThanOrEqualTo(LOAD_CONCURRENCY * kills.size());
    assertThat(transitions).as("the victim was ejected while down and came back")
        .anyMatch(t -> t.backend().equals(victim.backend()) && t.to() == BackendHealth.EJECTED);

    for (int i = 0; i < kills.size(); i++) {
      Kill kill = kills.get(i);
      List<EchoStream> cut = kill.cut();
      assertThat(cut).as("streams relayed to the victim at kill %d", i + 1).isNotEmpty();
      assertThat(cut).as("streams cut by kill %d: every byte echoed was one sent", i + 1)
          .noneMatch(EchoStream::corrupt);
      long slowest = cut.stream().mapToLong(s -> s.closedNanos() - kill.startNanos()).max().orElseThrow();
      assertThat(slowest).as("slowest close after kill %d", i + 1).isLessThan(Proxies.PAUSE_ALLOWANCE.toNanos());
      Figures.record(SCENARIO, "kill " + (i + 1) + ": in-flight streams closed (by a reset)", cut.size() + " ("
          + cut.stream().filter(s -> s.error() != null).count() + ")");
      Figures.record(SCENARIO, "kill " + (i + 1) + ": slowest stream close after kill", Figures.millis(slowest));
      Figures.record(SCENARIO, "kill " + (i + 1) + ": restarted backend served again after",
          Figures.millis(backToTrafficNanos.get(i)));
    }
    Figures.record(SCENARIO, "short connections served", load.succeeded());
    Figures.record(SCENARIO, "client connects retried after an unanswered SYN", load.connectRetries());
    Figures.record(SCENARIO, "short connections failed (all in flight at a kill)", failures.size());
    Figures.record(SCENARIO, "failed connects to the victim (each failed over)",
        proxy.backends().get(1).failedConnects());
    // Closed only now, which also keeps it reachable until here: Vert.x closes an unreachable client's sockets.
    streamClient.close().await(10, TimeUnit.SECONDS);
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  private static List<EchoStream> openStreams(Vertx vertx, NetClient client, int port) throws Exception {
    List<Future<EchoStream>> opening = new ArrayList<>();
    for (int i = 0; i < STREAMS_PER_ROUND; i++) {
      opening.add(EchoStream.open(vertx, client, port, 4096, Duration.ofMillis(50)));
    }
    Future.all(opening).await(10, TimeUnit.SECONDS);
    return opening.stream().map(Future::result).toList();
  }

  /** Streams relayed to the other backends stayed open and keep echoing after the kill. */
  private static void assertStreamsOnSurvivorsStillFlow(List<EchoStream> streams) {
    List<EchoStream> open = streams.stream().filter(s -> s.closedNanos() == 0).toList();
    assertThat(open).as("streams relayed to the surviving backends").isNotEmpty();
    List<Long> echoed = open.stream().map(EchoStream::echoed).toList();
    await("surviving streams keep flowing").atMost(Proxies.SETTLE).until(() -> {
      for (int i = 0; i < open.size(); i++) {
        if (open.get(i).echoed() <= echoed.get(i)) {
          return false;
        }
      }
      return true;
    });
  }
}
