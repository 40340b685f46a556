package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.HeldConnections;
import dev.hprp.proxy.testing.ListenBacklog;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * More idle clients than the proxy process has descriptors for, as a new user tried it (12,000 clients under a
 * 20,000 limit ran the proxy out of descriptors, and it ejected a healthy backend for it): here 350 clients under a
 * limit of 600. The default {@code --max-connections}, derived from that limit ((600 - 200) / 2 = 200), keeps the
 * proxy within its descriptors: 200 are relayed, the rest wait in the kernel's backlog and are served as others
 * leave; nothing fails, nothing is ejected.
 */
class LauncherOpenFileLimitIT {

  private static final int OPEN_FILES = 600;
  private static final int LIMIT = ReverseProxyOptions.maxConnectionsFor(OPEN_FILES);
  private static final int CLIENTS = 350;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void clientsBeyondTheDescriptorsWaitInTheBacklogAndAreServedAsOthersLeave() throws Exception {
    Vertx vertx = nativeVertx.get();
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    try (LauncherProcess hprp = LauncherProcess.startWithOpenFileLimit(OPEN_FILES, "--port", "0", "--host",
        "127.0.0.1", "--backends", echo.backend().toString(), "--health-check", "tcp", "--health-interval", "100ms")) {
      int port = hprp.awaitPort(60, TimeUnit.SECONDS);
      NetClient client = vertx.createNetClient();

      List<NetSocket> relayed = HeldConnections.open(client, port, LIMIT, 100, 60);
      List<Future<NetSocket>> waiting = new ArrayList<>();
      for (int i = LIMIT; i < CLIENTS; i++) {
        waiting.add(HeldConnections.openOne(client, port, i));
      }
      if (ListenBacklog.available()) {
        await("the rest in the kernel's backlog").atMost(Duration.ofSeconds(30))
            .until(() -> ListenBacklog.waiting(port) == CLIENTS - LIMIT);
      }
      assertThat(echo.sockets()).hasSize(LIMIT);

      // Those relayed leave, one for each waiting client: every waiting one is then served.
      HeldConnections.closeAll(relayed.subList(0, CLIENTS - LIMIT), 60);
      Future.all(waiting).await(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(15)).until(() -> echo.sockets().size() == LIMIT);

      // Many health probes ran meanwhile, each needing a descriptor: none failed, nothing was ejected.
      String output = hprp.output();
      assertThat(output).doesNotContain("Too many open files", "is DOWN", "EJECTED", "ejected", "overflow");
      HeldConnections.closeAll(relayed.subList(CLIENTS - LIMIT, LIMIT), 60);
      HeldConnections.closeAll(waiting.stream().map(Future::result).toList(), 60);
      // The clients are closed: the drain that SIGTERM starts finishes at once, and the exit says so.
      assertThat(hprp.stop(30, TimeUnit.SECONDS)).as("exit code; output:%n%s", hprp.output()).isZero();
      client.close().await(10, TimeUnit.SECONDS);
    }
  }
}
