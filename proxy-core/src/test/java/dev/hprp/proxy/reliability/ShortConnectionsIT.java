package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.FIXED_RESPONSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.Resources;
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
 * Short connections in a row (32 at a time), each a request and an answer: every one is served, and afterwards the
 * process holds no more descriptors and no more live heap than before: nothing is kept per connection.
 *
 * <p>20,000 by default (about 12 CPU seconds here), which shows a leak of 210 bytes or more per connection against
 * the heap tolerance; 500,000 under {@code -Psoak}; {@code hprp.reliability.shortConnections} sets the count.
 *
 * <p>The backends answer and close first, as HTTP/1.0 servers do, so TIME_WAIT lands on the servers' side and the
 * clients' ephemeral ports are not exhausted.
 */
class ShortConnectionsIT {

  private static final String SCENARIO = "short connections in a row";
  private static final long CONNECTIONS = Long.getLong("hprp.reliability.shortConnections", 20_000);
  private static final int CONCURRENCY = 32;
  private static final long WARM_UP = 5_000;
  private static final int FD_TOLERANCE = 16;
  /** Live heap that may come and go for reasons of its own (JIT, class metadata on the heap, logging). */
  private static final long HEAP_TOLERANCE = 4L << 20;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  @Timeout(value = 3600, unit = TimeUnit.SECONDS)
  void manyShortConnectionsInARowLeaveNoDescriptorOrHeapBehind() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, FIXED_RESPONSE, FIXED_RESPONSE, FIXED_RESPONSE);
    ReverseProxy proxy = Proxies.builder(vertx, backends).build();
    proxy.start().await(10, TimeUnit.SECONDS);
    Buffer request = Buffer.buffer("hi");
    Buffer answer = backends.get(0).response();
    LoadClient.start(vertx, proxy.actualPort(), request, answer, CONCURRENCY, WARM_UP, Proxies.EXCHANGE_TIMEOUT)
        .done().await(60, TimeUnit.SECONDS);
    Proxies.awaitNoActiveConnections(proxy);
    int baselineFds = Resources.openFiles();
    long baselineHeap = Resources.usedHeapAfterGc();

    long start = System.nanoTime();
    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), request, answer, CONCURRENCY, CONNECTIONS,
        Proxies.EXCHANGE_TIMEOUT);
    // Bounded by a rate far below what this machine does (it did over 1,000 a second while heavily loaded).
    load.done().await(60 + CONNECTIONS / 250, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - start;

    assertThat(load.failures()).isEmpty();
    assertThat(load.succeeded()).isEqualTo(CONNECTIONS);
    assertThat(Proxies.totalConnections(proxy)).isEqualTo(WARM_UP + CONNECTIONS);
    Proxies.awaitNoActiveConnections(proxy);
    await("descriptors back to the baseline").atMost(Proxies.SETTLE)
        .until(() -> Resources.openFiles() <= baselineFds + FD_TOLERANCE);
    long heapAfter = Resources.usedHeapAfterGc();
    assertThat(heapAfter - baselineHeap).as("live heap growth after %d connections", CONNECTIONS)
        .isLessThan(HEAP_TOLERANCE);
    Figures.record(SCENARIO, "connections served / failed", load.succeeded() + " / 0 in " + Figures.millis(elapsed)
        + " (" + CONCURRENCY + " at a time)");
    Figures.record(SCENARIO, "client connects retried after an unanswered SYN", load.connectRetries());
    Figures.record(SCENARIO, "descriptors before / after", baselineFds + " / " + Resources.openFiles());
    Figures.record(SCENARIO, "live heap before / after", Figures.kib(baselineHeap) + " / " + Figures.kib(heapAfter));
    proxy.close().await(10, TimeUnit.SECONDS);
  }
}
