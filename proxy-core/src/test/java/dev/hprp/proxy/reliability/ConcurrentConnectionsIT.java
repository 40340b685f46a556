package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of connections held open through the proxy at once, then closed: every one is accepted and relays its
 * bytes, and afterwards the open file descriptors and active counters are back where they started (no leak).
 *
 * <p>Client, proxy and backends share this JVM, so each relayed connection costs four descriptors (client, the
 * proxy's two, backend) against the hard limit of 20,000 per process: the default of 4,000 connections fits. Set
 * {@value #COUNT_PROPERTY} to change it. The heap figure is per relayed connection for all four sockets together;
 * the proxy's own resident memory per connection is measured with the launcher as its own process
 * ({@code LauncherProcessConnectionsIT}), since in one JVM the garbage collector moves RSS either way.
 */
class ConcurrentConnectionsIT {

  static final String COUNT_PROPERTY = "hprp.reliability.concurrentConnections";
  private static final int CONNECTIONS = Integer.getInteger(COUNT_PROPERTY, 4000);
  /** Connects in flight at once: well under the listen backlogs, so no SYN is dropped and retried a second later. */
  private static final int BATCH = 250;
  /** Descriptors the JVM may open meanwhile for its own reasons (a jar, a class file). */
  private static final int FD_TOLERANCE = 16;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void holdsThousandsOfConnectionsAtOnceAndReleasesEveryDescriptorAfterwards() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, ECHO, ECHO, ECHO);
    Proxies.warmUp(vertx, backends.get(0));
    ReverseProxy proxy = Proxies.builder(vertx, backends).build();
    proxy.start().await(10, TimeUnit.SECONDS);
    NetClient client = vertx.createNetClient();
    int baselineFds = Resources.openFiles();
    long baselineHeap = Resources.usedHeapAfterGc();

    List<NetSocket> sockets = HeldConnections.open(client, proxy.actualPort(), CONNECTIONS, BATCH, 30);

    assertThat(Proxies.activeConnections(proxy)).isEqualTo(CONNECTIONS);
    assertThat(proxy.backends()).extracting(BackendStatus::activeConnections)
        .allSatisfy(active -> assertThat(active).isBetween(CONNECTIONS / 3, CONNECTIONS / 3 + 1));
    int loadedFds = Resources.openFiles();
    long loadedHeap = Resources.usedHeapAfterGc();
    assertThat(loadedFds - baselineFds).as("descriptors held by %d relayed connections", CONNECTIONS)
        .isBetween(4 * CONNECTIONS, 4 * CONNECTIONS + FD_TOLERANCE);

    HeldConnections.closeAll(sockets, 30);
    Proxies.awaitNoActiveConnections(proxy);
    await("every descriptor released").atMost(Proxies.SETTLE)
        .until(() -> Resources.openFiles() <= baselineFds + FD_TOLERANCE);
    await("the backends saw every connection close").atMost(Proxies.SETTLE)
        .until(() -> backends.stream().allMatch(b -> b.sockets().isEmpty()));
    String scenario = CONNECTIONS + " concurrent connections (in-JVM: client + proxy + backend)";
    Figures.record(scenario, "accepted and relayed", CONNECTIONS);
    Figures.record(scenario, "descriptors per connection",
        String.format("%.2f", (double) (loadedFds - baselineFds) / CONNECTIONS));
    Figures.record(scenario, "heap per connection, all four sockets", Figures.kib(
        (double) (loadedHeap - baselineHeap) / CONNECTIONS));
    Figures.record(scenario, "descriptors after close vs baseline", Resources.openFiles() + " vs " + baselineFds);
    client.close().await(10, TimeUnit.SECONDS);
    proxy.close().await(10, TimeUnit.SECONDS);
  }
}
