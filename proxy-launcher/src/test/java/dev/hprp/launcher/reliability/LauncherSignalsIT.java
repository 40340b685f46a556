package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.HeldConnections;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher process stopped by a signal while it relays open connections, as an operator or an orchestrator
 * stops it: SIGTERM and SIGINT (Ctrl-C) each make it close the proxy and Vert.x, print its stop line, and exit
 * promptly with the documented code, 128 + the signal; every client connection it relayed sees its end.
 *
 * <p>The kernel would close the sockets of a process that died any way; what tells a clean stop is the stop line,
 * which the launcher prints only once the proxy closed every relayed connection and Vert.x closed, both in time.
 */
@ExtendWith(VertxExtension.class)
class LauncherSignalsIT {

  private static final int CONNECTIONS = 20;
  /** "Promptly" on this 2-core machine shared with other builds; a clean stop takes well under a second alone. */
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  /** Held in a field: Vert.x closes an unreachable client, and every socket it opened. */
  private NetClient client;

  @AfterEach
  void closeClient() throws Exception {
    if (client != null) {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "SIG{0} -> exit {1}")
  @CsvSource({"TERM, 143", "INT, 130"})
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void signalStopsTheLauncherPromptlyWithItsExitCodeAndEndsEveryOpenConnection(String signal, int exitCode,
      Vertx vertx) throws Exception {
    List<TestBackend> backends = List.of(TestBackend.start(vertx, TestBackend.Mode.ECHO).await(),
        TestBackend.start(vertx, TestBackend.Mode.ECHO).await());
    String backendList = backends.stream().map(b -> b.backend().toString()).collect(Collectors.joining(","));
    try (LauncherProcess hprp = LauncherProcess.start("--port", "0", "--host", "127.0.0.1", "--backends",
        backendList, "--health-check", "none", "--drain-timeout", "1s")) {
      int port = hprp.awaitPort(30, TimeUnit.SECONDS);
      if (signal.equals("INT")) {
        assertThat(LauncherProcess.ignoresSignal(hprp.pid(), LauncherProcess.SIGINT))
            .as("the launcher ignores SIGINT, as a background job does: Ctrl-C could not stop it").isFalse();
      }
      client = vertx.createNetClient();
      // Each proven relayed: it wrote its number and got it back through the proxy.
      List<NetSocket> sockets = HeldConnections.open(client, port, CONNECTIONS, CONNECTIONS, 30);
      List<Future<Long>> ends = new ArrayList<>();
      for (NetSocket socket : sockets) {
        Promise<Long> ended = Promise.promise();
        socket.closeHandler(v -> ended.complete(System.nanoTime()));
        ends.add(ended.future());
      }
      assertThat(backends.stream().mapToInt(b -> b.sockets().size()).sum()).isEqualTo(CONNECTIONS);

      long signalled = System.nanoTime();
      hprp.signal(signal);
      int exit = hprp.awaitExit(PROMPTLY.multipliedBy(3).toSeconds(), TimeUnit.SECONDS);
      long exitedAfter = System.nanoTime() - signalled;
      List<Long> endedAt = Future.all(ends).await(PROMPTLY.toSeconds(), TimeUnit.SECONDS).list();

      assertThat(exit).as("exit code after SIG%s; output:%n%s", signal, hprp.output()).isEqualTo(exitCode);
      assertThat(exitedAfter).as("exit after SIG%s, ns", signal).isLessThan(PROMPTLY.toNanos());
      // The held connections never end by themselves: the drain cuts them at its 1 s deadline, hence 143/130.
      assertThat(hprp.output()).as("a clean stop after the drain")
          .contains("hprp stopped: drain timeout 1s over, " + CONNECTIONS + " connection(s) cut; proxy and Vert.x closed")
          .doesNotContain("without a clean close");
      long lastEnd = endedAt.stream().mapToLong(t -> t - signalled).max().orElseThrow();
      assertThat(lastEnd).as("the last client connection saw its end after SIG%s, ns", signal)
          .isLessThan(PROMPTLY.toNanos());
      await("the backends saw every relayed connection end").atMost(PROMPTLY)
          .until(() -> backends.stream().allMatch(b -> b.sockets().isEmpty()));
      String scenario = "launcher stopped by SIG" + signal + " with " + CONNECTIONS + " connections open";
      Figures.record(scenario, "exit code / exited after", exit + " / " + Figures.millis(exitedAfter));
      Figures.record(scenario, "last client connection ended after the signal", Figures.millis(lastEnd));
    }
  }
}
