package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.HeldConnections;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.Resources;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The launcher jar as its own process holding many connections at once, as users run it: every connection is
 * accepted and relays its bytes, the proxy process's descriptors return to their baseline once they close, and
 * SIGTERM stops it cleanly. Its resident memory per connection is the figure for capacity planning.
 *
 * <p>Clients and backends live in this JVM (two descriptors per connection here, two in the proxy), so the count can
 * go up to about 9,000 under the 20,000-descriptor limit: 1,000 by default, 9,000 under {@code -Psoak}
 * ({@value #COUNT_PROPERTY}).
 */
class LauncherProcessConnectionsIT {

  static final String COUNT_PROPERTY = "hprp.reliability.processConnections";
  private static final int CONNECTIONS = Integer.getInteger(COUNT_PROPERTY, 1000);
  private static final int BATCH = 250;
  private static final int FD_TOLERANCE = 16;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void launcherProcessRelaysThousandsOfConnectionsReleasesTheirDescriptorsAndStopsOnSigterm() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = List.of(
        TestBackend.start(vertx, TestBackend.Mode.ECHO).await(),
        TestBackend.start(vertx, TestBackend.Mode.ECHO).await(),
        TestBackend.start(vertx, TestBackend.Mode.ECHO).await());
    String backendList = backends.stream().map(b -> b.backend().toString()).collect(Collectors.joining(","));
    try (LauncherProcess hprp = LauncherProcess.start("--port", "0", "--host", "127.0.0.1", "--backends", backendList,
        "--health-check", "none")) {
      int port = hprp.awaitPort(30, TimeUnit.SECONDS);
      NetClient client = vertx.createNetClient();
      // One relayed exchange first, so the baseline is taken with the relay path loaded.
      HeldConnections.openOne(client, port, -1).compose(NetSocket::close).await(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> backends.stream().allMatch(b -> b.sockets().isEmpty()));
      int baselineFds = Resources.openFiles(hprp.pid());
      long baselineRss = Resources.residentBytes(hprp.pid());

      List<NetSocket> sockets = HeldConnections.open(client, port, CONNECTIONS, BATCH, 60);
      int loadedFds = Resources.openFiles(hprp.pid());
      long loadedRss = Resources.residentBytes(hprp.pid());
      assertThat(backends.stream().mapToInt(b -> b.sockets().size()).sum()).isEqualTo(CONNECTIONS);
      assertThat(loadedFds - baselineFds).as("descriptors the proxy holds for %d connections", CONNECTIONS)
          .isBetween(2 * CONNECTIONS, 2 * CONNECTIONS + FD_TOLERANCE);

      HeldConnections.closeAll(sockets, 60);
      await("the proxy closed every backend connection").atMost(Duration.ofSeconds(15))
          .until(() -> backends.stream().allMatch(b -> b.sockets().isEmpty()));
      await("the proxy's descriptors back to the baseline").atMost(Duration.ofSeconds(15))
          .until(() -> Resources.openFiles(hprp.pid()) <= baselineFds + FD_TOLERANCE);
      int afterFds = Resources.openFiles(hprp.pid());
      int exit = hprp.stop(30, TimeUnit.SECONDS);

      assertThat(exit).as("exit code after SIGTERM; output:%n%s", hprp.output()).isZero();
      assertThat(hprp.output()).contains("hprp stopped");
      String scenario = CONNECTIONS + " concurrent connections through the launcher process";
      Figures.record(scenario, "accepted and relayed", CONNECTIONS);
      Figures.record(scenario, "proxy descriptors before / loaded / after", baselineFds + " / " + loadedFds + " / "
          + afterFds);
      Figures.record(scenario, "proxy RSS per connection", Figures.kib((double) (loadedRss - baselineRss) / CONNECTIONS));
      Figures.record(scenario, "exit code after SIGTERM", exit);
      client.close().await(10, TimeUnit.SECONDS);
    }
  }
}
