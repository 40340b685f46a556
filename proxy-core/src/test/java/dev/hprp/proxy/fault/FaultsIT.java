package dev.hprp.proxy.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.impl.ActiveFault;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.StreamingBackend;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each built-in fault's semantics, exactly: bytes delivered, connections counted, timing as lower bounds. Clients are
 * plain blocking sockets: any TCP client sees the same.
 */
class FaultsIT {

  private static final int TIMEOUT_MILLIS = 20_000;
  private static final int MIB = 1024 * 1024;

  private Vertx vertx = Vertx.vertx();
  private ReverseProxy proxy;
  private final List<Socket> sockets = new ArrayList<>();
  /** Held in a field: Vert.x closes a client, and its sockets, once it is unreachable. */
  private NetClient client;

  @AfterEach
  void close() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (proxy != null) {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ReverseProxy start(Backend... backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(backends))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    return proxy;
  }

  private FaultHandle add(Fault fault) {
    return proxy.addFault(fault).await();
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", proxy.actualPort());
    socket.setSoTimeout(TIMEOUT_MILLIS);
    sockets.add(socket);
    return socket;
  }

  private static byte[] roundTrip(Socket socket, String text) throws IOException {
    byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
    socket.getOutputStream().write(sent);
    return socket.getInputStream().readNBytes(sent.length);
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** Reads until the end of the stream or a reset; returns the bytes read, and the reset, if any, in {@code reset}. */
  private static long readToEnd(InputStream in, SocketException[] reset) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        total += n;
      }
    } catch (SocketException e) {
      reset[0] = e;
    }
    return total;
  }

  private long backendBytes(java.util.function.ToLongFunction<BackendStatus> counter) {
    return proxy.backends().stream().mapToLong(counter).sum();
  }

  @Test
  void latencyDelaysEachDirectionAndKeepsTheOrder() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    FaultHandle latency = add(Fault.latency(Duration.ofMillis(100), Duration.ofMillis(50)).withSeed(7));
    Socket socket = connect();

    long start = System.nanoTime();
    assertThat(new String(roundTrip(socket, "ping"), StandardCharsets.US_ASCII)).isEqualTo("ping");
    assertThat(millisSince(start)).as("a round trip: each way delayed").isGreaterThanOrEqualTo(200);

    // Many small writes in a row, each its own chunk with its own jitter: they still arrive in order.
    StringBuilder expected = new StringBuilder();
    OutputStream out = socket.getOutputStream();
    for (int i = 0; i < 50; i++) {
      String piece = i + ",";
      expected.append(piece);
      out.write(piece.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    byte[] echoed = socket.getInputStream().readNBytes(expected.length());
    assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
    assertThat(latency.connections()).isEqualTo(1);
  }

  @Test
  void latencyNarrowedToOneDirectionDelaysOnlyThatOne() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    add(Fault.latency(Duration.ofHours(1), Duration.ZERO).withDirection(Fault.Direction.TO_CLIENT));
    Socket socket = connect();

    socket.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));

    // The request reaches the backend at once (echoed back to the proxy), while the answer is held an hour.
    await().atMost(Duration.ofSeconds(10)).until(() -> backendBytes(BackendStatus::bytesFromBackend) == 3);
    assertThat(backendBytes(BackendStatus::bytesToBackend)).isEqualTo(3);
  }

  @Test
  void removingAFaultPassesWhatItHeldAtOnceOnOpenConnections() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    FaultHandle hour = add(Fault.latency(Duration.ofHours(1), Duration.ZERO));
    Socket socket = connect();
    socket.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
    await().atMost(Duration.ofSeconds(10)).until(() -> backendBytes(BackendStatus::bytesToBackend) == 4);

    hour.remove().await();

    assertThat(new String(socket.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("held");
    assertThat(proxy.faults()).isEmpty();
    assertThat(new String(roundTrip(socket, "free"), StandardCharsets.US_ASCII)).isEqualTo("free");
  }

  @Test
  void aFaultAddedWhileConnectionsAreOpenActsOnThemAndStopsWhenRemoved() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    Socket socket = connect();
    assertThat(roundTrip(socket, "before")).hasSize(6);

    FaultHandle hole = add(Fault.blackHole().withDirection(Fault.Direction.TO_BACKEND));
    assertThat(hole.connections()).isEqualTo(1);
    socket.getOutputStream().write("dropped".getBytes(StandardCharsets.US_ASCII));
    // Read by the proxy (counted), then dropped by the fault.
    await().atMost(Duration.ofSeconds(10)).until(() -> backendBytes(BackendStatus::bytesToBackend) == 6 + 7);

    hole.remove().await();

    assertThat(new String(roundTrip(socket, "after"), StandardCharsets.US_ASCII)).isEqualTo("after");
  }

  @Test
  void faultsComingAndGoingUnderTrafficLoseAndReorderNothing() {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    long size = 16L * MIB;
    // Paced, so the stream outlasts the changes below: 16 MiB at 8 MiB/s back to the client take 2 s.
    FaultHandle pace = add(Fault.bandwidth(8L * MIB).withDirection(Fault.Direction.TO_CLIENT));
    client = vertx.createNetClient();
    // 16 MiB each way, echoed, while faults that hold, split and pace the bytes are added and removed.
    Future<List<String>> digests = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          Future<String> received = Payloads.receive(socket, size);
          Future<String> sent = Payloads.send(socket, size, 11);
          return Future.all(sent, received).eventually(socket::close)
              .map(all -> List.of(sent.result(), received.result()));
        }));
    await().atMost(Duration.ofSeconds(10)).until(() -> pace.connections() == 1);
    List<Fault> faults = List.of(
        Fault.latency(Duration.ofMillis(5), Duration.ofMillis(5)),
        Fault.slicer(1000, Duration.ZERO).withDirection(Fault.Direction.TO_CLIENT),
        Fault.bandwidth(64L * MIB),
        Fault.stall(Duration.ofMillis(10)).withDirection(Fault.Direction.TO_BACKEND));
    int tookHold = 0;
    for (int i = 0; i < 40 && !digests.isComplete(); i++) {
      FaultHandle handle = add(faults.get(i % faults.size()));
      tookHold += (int) handle.connections();
      handle.remove().await();
    }
    pace.remove().await();

    assertThat(digests.await()).containsExactly(Payloads.sha256Of(size, 11), Payloads.sha256Of(size, 11));
    assertThat(tookHold).as("faults that took hold of the connection mid-stream").isPositive();
    assertThat(proxy.faults()).isEmpty();
  }

  @Test
  void blackHoleDropsBytesButPassesTheEnd() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    add(Fault.blackHole());
    Socket socket = connect();
    socket.getOutputStream().write(new byte[100_000]);
    await().atMost(Duration.ofSeconds(10)).until(() -> backendBytes(BackendStatus::bytesToBackend) == 100_000);

    socket.shutdownOutput();

    // The echo backend ends its side when the client's FIN reaches it; nothing it was sent came back.
    assertThat(socket.getInputStream().read()).isEqualTo(-1);
    Await.noActiveConnections(proxy);
  }

  @Test
  void bandwidthPassesBurstsAtTheRate() throws IOException {
    int length = 256 * 1024;
    StreamingBackend streamer = StreamingBackend.start(vertx, length, 64 * 1024).await();
    start(streamer.backend());
    add(Fault.bandwidth(512 * 1024).withDirection(Fault.Direction.TO_CLIENT));

    long start = System.nanoTime();
    Socket socket = connect();
    long received = readToEnd(socket.getInputStream(), new SocketException[1]);

    assertThat(received).isEqualTo(8 + length);
    // (8 + 256 KiB - 64 KiB) / 512 KiB/s
    assertThat(millisSince(start)).isGreaterThanOrEqualTo(375);
  }

  @ParameterizedTest
  @EnumSource(names = {"LATENCY", "BANDWIDTH"})
  void holdingFaultsKeepBackpressure(Holding holding) throws IOException {
    StreamingBackend streamer = StreamingBackend.start(vertx, 256L * MIB, 64 * 1024).await();
    start(streamer.backend());
    add(holding.fault.withDirection(Fault.Direction.TO_CLIENT));
    Socket socket = connect();
    InputStream in = socket.getInputStream();

    // The client reads as fast as bytes come; the backend could push 256 MiB at once. What the proxy has read from
    // the backend but the client has not is what the fault and the sockets between hold: bounded by the hold limit,
    // not by the stream.
    byte[] buffer = new byte[64 * 1024];
    long received = 0;
    long worst = 0;
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < end) {
      int n = in.read(buffer);
      assertThat(n).as("the stream goes on").isPositive();
      received += n;
      worst = Math.max(worst, backendBytes(BackendStatus::bytesFromBackend) - received);
    }

    assertThat(received).isPositive();
    // The hold limit (1 MiB), a read batch past it, and what was passed on but not yet read: a few MiB. Without the
    // limit, tens of MiB within the second.
    assertThat(worst).as("bytes inside the proxy").isLessThan(8L * MIB);
    assertThat(streamer.writeQueueFullCount()).as("the backend felt backpressure").isPositive();
  }

  enum Holding {
    LATENCY(Fault.latency(Duration.ofMillis(300), Duration.ZERO)),
    BANDWIDTH(Fault.bandwidth(MIB));

    final Fault fault;

    Holding(Fault fault) {
      this.fault = fault;
    }
  }

  @Test
  void slicerSplitsIntoDelayedPieces() throws IOException {
    byte[] answer = new byte[1000];
    for (int i = 0; i < answer.length; i++) {
      answer[i] = (byte) i;
    }
    start(TestBackend.start(vertx, TestBackend.Mode.FIXED_RESPONSE, Buffer.buffer(answer)).await().backend());
    add(Fault.slicer(100, Duration.ofMillis(30)).withDirection(Fault.Direction.TO_CLIENT));
    Socket socket = connect();

    long start = System.nanoTime();
    socket.getOutputStream().write('?');
    InputStream in = socket.getInputStream();
    byte[] received = new byte[answer.length];
    int reads = 0;
    int largest = 0;
    for (int at = 0, n; at < received.length; at += n) {
      n = in.read(received, at, received.length - at);
      reads++;
      largest = Math.max(largest, n);
    }

    assertThat(received).isEqualTo(answer);
    assertThat(millisSince(start)).as("9 pauses between 10 pieces").isGreaterThanOrEqualTo(9 * 30);
    // A reader that keeps up gets each piece on its own; one starved of CPU may get a few at once.
    assertThat(reads).isGreaterThanOrEqualTo(3);
    assertThat(in.read()).isEqualTo(-1);
  }

  @ParameterizedTest
  @EnumSource(names = {"NIO", "NATIVE"})
  void resetAfterDeliversExactlyTheBytesThenResetsBothSides(Runtime runtime) throws IOException {
    vertx.close().await();
    vertx = runtime.vertx();
    StreamingBackend streamer = StreamingBackend.start(vertx, 16L * MIB, 64 * 1024).await();
    start(streamer.backend());
    FaultHandle reset = add(Fault.resetAfter(MIB));
    Socket socket = new Socket();
    socket.setReceiveBufferSize(16 * 1024); // small, so bytes wait in the proxy's kernel buffer for the reader
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.actualPort()));
    socket.setSoTimeout(TIMEOUT_MILLIS);
    sockets.add(socket);
    // The proxy has read past the limit and cut; much of the MiB still sits in kernel buffers, not yet read.
    await().atMost(Duration.ofSeconds(10)).until(() -> backendBytes(BackendStatus::bytesFromBackend) >= MIB);

    SocketException[] error = new SocketException[1];
    long received = readToEnd(socket.getInputStream(), error);

    assertThat(received).isEqualTo(MIB);
    assertThat(error[0]).as("the end is a reset").isNotNull().hasMessageContaining("reset");
    Await.noActiveConnections(proxy);
    assertThat(reset.connections()).isEqualTo(1);
    assertThat(proxy.backends().get(0).failedConnects()).as("a fault's cut is no backend failure").isZero();
  }

  enum Runtime {
    NIO, NATIVE;

    Vertx vertx() {
      if (this == NIO) {
        return Vertx.vertx();
      }
      Transport transport = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL;
      Assumptions.assumeTrue(transport.available(), "no native transport");
      return Vertx.builder().with(new VertxOptions()).withTransport(transport).build();
    }
  }

  @Test
  void closeAfterDeliversExactlyTheBytesThenAFin() throws IOException {
    StreamingBackend streamer = StreamingBackend.start(vertx, 4L * MIB, 64 * 1024).await();
    start(streamer.backend());
    add(Fault.closeAfter(100_000).withDirection(Fault.Direction.TO_CLIENT));
    Socket socket = connect();

    SocketException[] error = new SocketException[1];
    assertThat(readToEnd(socket.getInputStream(), error)).isEqualTo(100_000);
    assertThat(error[0]).as("a clean end, no reset").isNull();
    Await.noActiveConnections(proxy);
  }

  @Test
  void resetAfterZeroCutsOpenConnectionsAtOnce() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    Socket socket = connect();
    assertThat(roundTrip(socket, "hi")).hasSize(2);

    add(Fault.resetAfter(0));

    assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketException.class)
        .hasMessageContaining("reset");
    Await.noActiveConnections(proxy);
  }

  @Test
  void refuseFirstClosesTheFirstClientsThenServes() throws IOException {
    TestBackend backend = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    start(backend.backend());
    FaultHandle refuse = add(Fault.refuseFirst(2));

    for (int i = 0; i < 2; i++) {
      Socket refused = connect();
      assertThat(refused.getInputStream().read()).as("connection %d closed", i).isEqualTo(-1);
    }
    assertThat(roundTrip(connect(), "served")).hasSize(6);

    assertThat(refuse.connections()).isEqualTo(2);
    assertThat(backend.accepted()).as("no socket opened for a refused connect").isEqualTo(1);
    BackendStatus status = proxy.backends().get(0);
    assertThat(status.failedConnects()).isZero();
    assertThat(status.health()).isEqualTo(BackendHealth.UP);
  }

  @Test
  void refuseFirstOnOneBackendFailsOverToAnother() throws IOException {
    TestBackend a = TestBackend.named(vertx, "a").await();
    TestBackend b = TestBackend.named(vertx, "b").await();
    start(a.backend(), b.backend());
    FaultHandle refuse = add(Fault.refuseFirst(3).withBackend(a.backend().id()));

    // Connections picking a are refused there and go to b instead, as with a real refusal, until three were.
    for (int i = 0; i < 20 && refuse.connections() < 3; i++) {
      assertThat(new String(roundTrip(connect(), "?"), StandardCharsets.US_ASCII)).isEqualTo("b");
    }
    assertThat(refuse.connections()).isEqualTo(3);
    assertThat(a.accepted()).isZero();

    // Then a serves again: round-robin sends one of the next two connections there.
    String next = new String(roundTrip(connect(), "?"), StandardCharsets.US_ASCII)
        + new String(roundTrip(connect(), "?"), StandardCharsets.US_ASCII);
    assertThat(next).contains("a");
    assertThat(proxy.backends()).extracting(BackendStatus::failedConnects).containsOnly(0L);
  }

  @Test
  void probabilityWithASeedPicksTheSameConnectionsEveryRun() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    add(Fault.refuseFirst(1000).withProbability(0.5).withSeed(42));

    List<Boolean> refused = new ArrayList<>();
    List<Boolean> expected = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Socket socket = connect();
      socket.getOutputStream().write('x');
      refused.add(socket.getInputStream().read() < 0);
      expected.add(ActiveFault.uniform(42, i) < 0.5);
    }

    assertThat(refused).isEqualTo(expected).contains(true, false);
  }

  @Test
  void conditionPicksConnections() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    Socket chosen = connect();
    Socket other = connect();
    assertThat(roundTrip(chosen, "1")).hasSize(1);
    assertThat(roundTrip(other, "2")).hasSize(1);
    int chosenPort = chosen.getLocalPort();

    FaultHandle reset = add(Fault.resetAfter(0).withCondition(c -> c.clientAddress().port() == chosenPort));

    assertThatThrownBy(() -> chosen.getInputStream().read()).isInstanceOf(SocketException.class);
    assertThat(roundTrip(other, "still")).hasSize(5);
    assertThat(reset.connections()).isEqualTo(1);
  }

  @Test
  void stallHoldsTheConnectionSilentThenProceeds() throws IOException {
    start(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend());
    add(Fault.stall(Duration.ofMillis(300)));

    long start = System.nanoTime();
    Socket socket = connect();
    assertThat(roundTrip(socket, "first")).hasSize(5);
    assertThat(millisSince(start)).isGreaterThanOrEqualTo(300);
    assertThat(roundTrip(socket, "then")).hasSize(4);
  }

  @Test
  void connectDelayDelaysTheConnect() throws IOException {
    TestBackend backend = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    start(backend.backend());
    FaultHandle delay = add(Fault.connectDelay(Duration.ofMillis(250)));

    long start = System.nanoTime();
    Socket socket = connect();
    assertThat(roundTrip(socket, "x")).hasSize(1);

    assertThat(millisSince(start)).isGreaterThanOrEqualTo(250);
    assertThat(delay.connections()).isEqualTo(1);
  }

  @Test
  void healthProbesNeverMeetFaults() throws IOException {
    TestBackend backend = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    proxy = ReverseProxy.builder(vertx)
        .backend(backend.backend())
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions().setInterval(Duration.ofMillis(20)))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    add(Fault.refuseFirst(1000));
    add(Fault.blackHole());
    int probedBefore = backend.accepted();

    for (int i = 0; i < 3; i++) {
      assertThat(connect().getInputStream().read()).isEqualTo(-1);
    }
    // Probes keep reaching the backend, and pass.
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.accepted() >= probedBefore + 3);
    assertThat(proxy.backends().get(0).health()).isEqualTo(BackendHealth.UP);
  }

  @Test
  void theJournalNamesTheFaultsThatEndedOrRefusedConnections() throws IOException {
    List<ConnectionRecord> records = new CopyOnWriteArrayList<>();
    proxy = ReverseProxy.builder(vertx)
        .backend(TestBackend.start(vertx, TestBackend.Mode.ECHO).await().backend())
        .onConnection(records::add)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    FaultHandle refuse = add(Fault.refuseFirst(1));
    assertThat(connect().getInputStream().read()).isEqualTo(-1);
    refuse.remove().await();
    add(Fault.resetAfter(2));

    Socket socket = connect();
    socket.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> socket.getInputStream().readAllBytes()).isInstanceOf(SocketException.class);

    await().atMost(Duration.ofSeconds(10)).until(() -> records.size() == 2);
    assertThat(records.get(0).end()).isEqualTo(EndState.REFUSED);
    assertThat(records.get(0).attempts()).singleElement()
        .satisfies(attempt -> assertThat(attempt.failure()).hasMessageContaining(refuse.id()));
    assertThat(records.get(1).end()).isEqualTo(EndState.FAULT);
  }

  @Test
  void addingAFaultToAClosedProxyFails() {
    start(new Backend("127.0.0.1", 1));
    proxy.close().await();

    assertThatThrownBy(() -> proxy.addFault(Fault.blackHole()).await()).isInstanceOf(IllegalStateException.class);
  }
}
