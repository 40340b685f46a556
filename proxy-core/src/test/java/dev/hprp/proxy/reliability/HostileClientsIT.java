package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.EchoStream;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.Resources;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that misbehave in TCP mode: some connect and never send, some send junk, some reset the connection in the
 * middle of a transfer. Each time a load of ordinary clients runs alongside and must be served in full, and
 * afterwards the counters, the backends' sockets and the descriptors are back to where they were.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileClientsIT {

  private static final Buffer PING = Buffer.buffer("ping");
  private static final int FD_TOLERANCE = 16;

  /** Short enough to watch silent clients being cut, long enough that a busy machine's pauses cut no one else. */
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();
  private Vertx vertx;
  private List<TestBackend> backends;
  private ReverseProxy proxy;
  private int baselineFds;
  /**
   * The test's clients, held in fields until the test ends: Vert.x closes a client, and every socket it opened, once
   * the client is unreachable, and a local no longer read counts as unreachable to the garbage collector.
   */
  private NetClient client;
  private NetClient resettingClient;

  @BeforeEach
  void startBackends() {
    vertx = nativeVertx.get();
    backends = Proxies.backends(vertx, ECHO, ECHO, ECHO);
    client = vertx.createNetClient();
    // SO_LINGER 0: close sends a reset and drops whatever is unsent.
    resettingClient = vertx.createNetClient(new NetClientOptions().setSoLinger(0));
  }

  /**
   * Starts the proxy, with {@code idleTimeout} where a test watches it, else the default (minutes), so that a stall
   * of this busy machine cannot cut a client that is not silent; the descriptor baseline is taken after.
   */
  private void startProxy(Duration idleTimeout) throws Exception {
    proxy = Proxies.builder(vertx, backends).with(Proxies.loopback().setIdleTimeout(idleTimeout)).build();
    proxy.start().await(10, TimeUnit.SECONDS);
    baselineFds = Resources.openFiles();
  }

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
    client.close().await(10, TimeUnit.SECONDS);
    resettingClient.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void silentClientsAreCutByTheIdleTimeoutWhileOthersAreServed() throws Exception {
    startProxy(IDLE_TIMEOUT);
    int silent = 100;
    long connected = System.nanoTime();
    List<NetSocket> sockets = new ArrayList<>();
    for (int i = 0; i < silent; i++) {
      sockets.add(client.connect(proxy.actualPort(), "127.0.0.1").await(10, TimeUnit.SECONDS));
    }
    List<Future<Long>> closes = sockets.stream().map(HostileClientsIT::closedAt).toList();
    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 8, 300, Proxies.EXCHANGE_TIMEOUT);
    load.done().await(30, TimeUnit.SECONDS);
    assertThat(load.failures()).as("clients served while %d silent ones hold connections", silent).isEmpty();

    List<Long> closedAt = Future.all(closes).await(10, TimeUnit.SECONDS).<Long>list();
    long latest = closedAt.stream().mapToLong(t -> t - connected).max().orElseThrow();
    assertThat(closedAt).allSatisfy(t -> assertThat(t - connected).as("cut by the idle timeout")
        .isGreaterThanOrEqualTo(IDLE_TIMEOUT.toNanos()));
    assertThat(latest).isLessThan(IDLE_TIMEOUT.plus(Proxies.PAUSE_ALLOWANCE).toNanos());
    assertSettled();
    Figures.record("silent clients", "silent clients cut by the idle timeout / clients served meanwhile",
        silent + " / " + load.succeeded());
    Figures.record("silent clients", "last silent client closed after", Figures.millis(latest));
  }

  @Test
  void junkIsRelayedVerbatimAndJunkThenCloseLeavesNothingBehind() throws Exception {
    startProxy(ReverseProxyOptions.DEFAULT_IDLE_TIMEOUT);
    LoadClient load = backgroundLoad();
    List<Buffer> junk = junk();
    for (Buffer payload : junk) {
      Buffer echoed = echo(client, proxy.actualPort(), payload).await(20, TimeUnit.SECONDS);
      assertThat(echoed.getBytes()).as("junk of %d bytes relayed byte for byte", payload.length())
          .isEqualTo(payload.getBytes());
    }
    // Junk written and the connection closed at once, without reading: the proxy must still close both sides.
    List<Future<Void>> hitAndRun = new ArrayList<>();
    for (Buffer payload : junk) {
      hitAndRun.add(client.connect(proxy.actualPort(), "127.0.0.1")
          .compose(socket -> socket.write(payload).compose(v -> socket.close())));
    }
    Future.all(hitAndRun).await(20, TimeUnit.SECONDS);
    load.stop().await(10, TimeUnit.SECONDS);

    assertThat(load.failures()).isEmpty();
    assertSettled();
    Figures.record("junk from clients", "junk payloads echoed byte for byte / then hit-and-run",
        junk.size() + " / " + junk.size());
    Figures.record("junk from clients", "clients served meanwhile", load.succeeded());
  }

  @Test
  void clientsResettingMidTransferFreeTheirBackendConnectionsWhileOthersAreServed() throws Exception {
    startProxy(ReverseProxyOptions.DEFAULT_IDLE_TIMEOUT);
    LoadClient load = backgroundLoad();
    int streams = 50;
    List<EchoStream> opened = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      opened.add(EchoStream.open(vertx, resettingClient, proxy.actualPort(), 64 * 1024, Duration.ZERO)
          .await(10, TimeUnit.SECONDS));
    }
    await("every stream in full flow").atMost(Duration.ofSeconds(60))
        .until(() -> opened.stream().allMatch(s -> s.echoed() >= 256 * 1024));
    Future.all(opened.stream().map(EchoStream::abort).toList()).await(10, TimeUnit.SECONDS);
    load.stop().await(10, TimeUnit.SECONDS);

    assertThat(load.failures()).isEmpty();
    assertThat(opened).noneMatch(EchoStream::corrupt);
    assertSettled();
    Figures.record("clients resetting mid-transfer", "streams reset after at least 256 KiB echoed", streams);
    Figures.record("clients resetting mid-transfer", "clients served meanwhile", load.succeeded());
  }

  /** Ordinary clients, four at a time, until stopped: each must be served. */
  private LoadClient backgroundLoad() {
    return LoadClient.start(vertx, proxy.actualPort(), PING, PING, 4, Long.MAX_VALUE, Proxies.EXCHANGE_TIMEOUT);
  }

  /** Active counters at 0, the backends' side of every relay closed, descriptors back to the baseline. */
  private void assertSettled() {
    Proxies.awaitNoActiveConnections(proxy);
    await("the proxy closed every backend connection").atMost(Proxies.SETTLE)
        .until(() -> backends.stream().allMatch(b -> b.sockets().isEmpty()));
    await("descriptors back to the baseline").atMost(Proxies.SETTLE)
        .until(() -> Resources.openFiles() <= baselineFds + FD_TOLERANCE);
  }

  private static Future<Long> closedAt(NetSocket socket) {
    Promise<Long> closed = Promise.promise();
    socket.closeHandler(v -> closed.complete(System.nanoTime()));
    return closed.future();
  }

  /** Writes {@code payload}, and completes with the echo once as many bytes came back; then closes. */
  private static Future<Buffer> echo(NetClient client, int port, Buffer payload) {
    return client.connect(port, "127.0.0.1").compose(socket -> {
      Promise<Buffer> echoed = Promise.promise();
      Buffer received = Buffer.buffer(payload.length());
      socket.handler(data -> {
        received.appendBuffer(data);
        if (received.length() >= payload.length()) {
          echoed.tryComplete(received);
        }
      });
      socket.closeHandler(v -> echoed.tryFail("closed after " + received.length() + " of " + payload.length()));
      socket.write(payload);
      return echoed.future().andThen(ar -> socket.close());
    });
  }

  /**
   * Bytes a protocol parser would choke on; TCP mode must pass them on untouched: every byte value, text that looks
   * like a broken HTTP request or TLS record, and random bytes with a fixed seed.
   */
  private static List<Buffer> junk() {
    List<Buffer> junk = new ArrayList<>();
    Buffer everyByte = Buffer.buffer(256);
    for (int b = 0; b < 256; b++) {
      everyByte.appendByte((byte) b);
    }
    junk.add(everyByte);
    junk.add(Buffer.buffer("GET / HTTP/1.1\r\nHost: \u0000\r\nContent-Length: -1\r\nTransfer-Encoding: chunked\r\n"
        + " folded\r\n\r\nzz\r\n", StandardCharsets.ISO_8859_1.name()));
    junk.add(Buffer.buffer(new byte[] {0x16, 0x03, 0x01, (byte) 0xff, (byte) 0xff, 0x01, 0x00, 0x00}));
    junk.add(Buffer.buffer("\r\n".repeat(10_000)));
    Random random = new Random(5);
    for (int size : new int[] {1, 1000, 100_000, 1 << 20}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      junk.add(Buffer.buffer(bytes));
    }
    return junk;
  }
}
