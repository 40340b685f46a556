package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.testing.AllBalancers;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Flood;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The relay end to end: bytes exact both ways, backpressure, the close policy and half-close; under every balancer
 * on NIO, and
 * on each native transport the launcher may pick (the relay's handler sits in Netty's pipeline, under Vert.x).
 */
class TcpRelayIT {

  private static final long SIXTY_FOUR_MIB = 64L * 1024 * 1024;
  private static final long EIGHT_MIB = 8L * 1024 * 1024;

  private static final int SOCKET_TIMEOUT_MILLIS = 20_000;

  private Vertx vertx;
  private ReverseProxy proxy;
  /** Runs the blocking backends of the half-close tests (Vert.x sockets cannot half-close). */
  private final ExecutorService backendThread = Executors.newSingleThreadExecutor();
  /**
   * Held in a field: Vert.x closes a client, and every socket it opened, once the client is unreachable, so a client
   * created inline can vanish mid-test.
   */
  private NetClient client;

  /** A balancer on a transport; the name of the parameterised case. */
  record Setup(Balancer balancer, Transport transport) {
    @Override
    public String toString() {
      return balancer + " on " + transport.name();
    }
  }

  static Stream<Setup> setups() {
    return Stream.concat(
        AllBalancers.all().map(balancer -> new Setup(balancer, Transport.NIO)),
        Stream.of(Transport.EPOLL, Transport.IO_URING).map(t -> new Setup(Balancer.roundRobin(), t)));
  }

  /** A Vert.x on the setup's transport, and the test's client on it; io_uring cases are skipped where unavailable. */
  private Vertx vertxFor(Setup setup) {
    Transport transport = setup.transport();
    if (transport == Transport.IO_URING) {
      Assumptions.assumeTrue(transport.available(), () -> "io_uring unavailable: " + transport.unavailabilityCause());
    }
    vertx = Vertx.builder().with(new VertxOptions()).withTransport(transport).build();
    assertThat(vertx.isNativeTransportEnabled()).as("native transport in use").isEqualTo(transport != Transport.NIO);
    client = vertx.createNetClient();
    return vertx;
  }

  @AfterEach
  void close() throws Exception {
    backendThread.shutdownNow();
    if (proxy != null) {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private void startProxy(Vertx vertx, Balancer balancer, List<Backend> backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        .balancer(balancer)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
  }

  private static List<TestBackend> threeBackends(Vertx vertx, TestBackend.Mode mode) {
    List<TestBackend> backends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      backends.add(TestBackend.start(vertx, mode).await());
    }
    return backends;
  }

  private static List<Backend> addresses(List<TestBackend> backends) {
    return backends.stream().map(TestBackend::backend).toList();
  }

  /**
   * Connects to the proxy, sends {@code size} bytes generated from {@code seed} while reading as many back (from an
   * echo backend), then closes: the SHA-256 of what was sent and of what came back.
   */
  private List<String> sendAndReceiveThroughProxy(Vertx vertx, long size, long seed) {
    return Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          Future<String> received = Payloads.receive(socket, size);
          Future<String> sent = Payloads.send(socket, size, seed);
          return Future.all(sent, received).eventually(socket::close)
              .map(all -> List.of(sent.result(), received.result()));
        })).await();
  }

  @ParameterizedTest
  @MethodSource("setups")
  void relaysSixtyFourMibEachWayConcurrentlyByteExact(Setup setup) {
    Vertx vertx = vertxFor(setup);
    startProxy(vertx, setup.balancer(), addresses(threeBackends(vertx, TestBackend.Mode.ECHO)));
    String expected = TestData.properties("payloads.properties").getProperty("seed42.64MiB.sha256");

    List<String> digests = sendAndReceiveThroughProxy(vertx, SIXTY_FOUR_MIB, 42);

    assertThat(digests).containsExactly(expected, expected);
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::bytesToBackend).sum()).isEqualTo(SIXTY_FOUR_MIB);
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::bytesFromBackend).sum())
        .isEqualTo(SIXTY_FOUR_MIB);
  }

  /**
   * A backend on IPv6 loopback, given as users write it ({@code [::1]:port}), relays as one on IPv4 does: the proxy
   * listens on IPv4, connects over IPv6, and every byte arrives, both ways.
   */
  @ParameterizedTest
  @MethodSource("setups")
  void relaysToABackendOnIpv6LoopbackByteExact(Setup setup) {
    Assumptions.assumeTrue(ipv6LoopbackAvailable(), "no IPv6 loopback (::1) on this machine");
    Vertx vertx = vertxFor(setup);
    TestBackend echo = TestBackend.startOn(vertx, "::1", TestBackend.Mode.ECHO).await();
    Backend backend = Backend.parse("[::1]:" + echo.port());
    startProxy(vertx, setup.balancer(), List.of(backend));

    List<String> digests = sendAndReceiveThroughProxy(vertx, EIGHT_MIB, 6);

    assertThat(digests).containsExactly(Payloads.sha256Of(EIGHT_MIB, 6), Payloads.sha256Of(EIGHT_MIB, 6));
    assertThat(echo.accepted()).isOne();
    Await.noActiveConnections(proxy);
    assertThat(proxy.backends()).singleElement().satisfies(status -> {
      assertThat(status.backend().host()).isEqualTo("::1");
      assertThat(status.totalConnections()).isOne();
      assertThat(status.bytesToBackend()).isEqualTo(EIGHT_MIB);
      assertThat(status.bytesFromBackend()).isEqualTo(EIGHT_MIB);
    });
  }

  private static boolean ipv6LoopbackAvailable() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return socket.getLocalPort() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  @ParameterizedTest
  @MethodSource("setups")
  void pausesClientWhenBackendStopsReadingAndLosesNothing(Setup setup) throws Exception {
    Vertx vertx = vertxFor(setup);
    List<TestBackend> stalled = threeBackends(vertx, TestBackend.Mode.UNRESPONSIVE);
    startProxy(vertx, setup.balancer(), addresses(stalled));

    // The backend reads nothing, so every byte the client gets rid of sits in kernel buffers or in the proxy; a
    // proxy without backpressure would absorb all of it.
    Flood flood = Flood.start(vertx, proxy.actualPort(), 512L * 1024 * 1024).await();
    long total = flood.stalled().await();

    // Kernel socket buffers on the path (client send, proxy receive and send, backend receive) hold a few MiB each
    // under loopback autotuning; anything past that would be the proxy buffering.
    assertThat(total).isLessThan(48L * 1024 * 1024);

    // The backend starts reading: every byte written arrives, none lost.
    NetSocket backendSide = stalled.stream().flatMap(backend -> backend.sockets().stream()).findFirst().orElseThrow();
    Promise<Long> arrived = Promise.promise();
    long[] count = {0};
    backendSide.handler(buffer -> {
      count[0] += buffer.length();
      if (count[0] >= total) {
        arrived.tryComplete(count[0]);
      }
    });
    backendSide.resume();
    assertThat(arrived.future().await(30, TimeUnit.SECONDS)).isEqualTo(total);
    // Every byte the client wrote went through the proxy's counter exactly once, and nothing came back.
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::bytesToBackend).sum()).isEqualTo(total);
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::bytesFromBackend).sum()).isZero();
    flood.close().await();
  }

  @ParameterizedTest
  @MethodSource("setups")
  void deliversBackendsLastBytesBeforeClosingTheClient(Setup setup) {
    Vertx vertx = vertxFor(setup);
    NetServer sender = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(socket -> Payloads.send(socket, EIGHT_MIB, 7).onComplete(ar -> socket.close()));
    sender.listen().await();
    startProxy(vertx, setup.balancer(), List.of(new Backend("127.0.0.1", sender.actualPort())));

    Promise<Void> closed = Promise.promise();
    String received = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          socket.closeHandler(v -> closed.complete());
          return Payloads.receive(socket, EIGHT_MIB);
        })).await();

    assertThat(received).isEqualTo(Payloads.sha256Of(EIGHT_MIB, 7));
    closed.future().await();
    Await.noActiveConnections(proxy);
  }

  @ParameterizedTest
  @MethodSource("setups")
  void deliversClientsLastBytesBeforeClosingTheBackend(Setup setup) {
    Vertx vertx = vertxFor(setup);
    Promise<String> backendReceived = Promise.promise();
    Promise<Void> backendClosed = Promise.promise();
    NetServer receiver = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(socket -> {
          Payloads.receive(socket, EIGHT_MIB).onComplete(backendReceived);
          socket.closeHandler(v -> backendClosed.complete());
        });
    receiver.listen().await();
    startProxy(vertx, setup.balancer(), List.of(new Backend("127.0.0.1", receiver.actualPort())));

    Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> Payloads.send(socket, EIGHT_MIB, 9).compose(sha -> socket.close()))).await();

    assertThat(backendReceived.future().await()).isEqualTo(Payloads.sha256Of(EIGHT_MIB, 9));
    backendClosed.future().await();
    Await.noActiveConnections(proxy);
  }

  @ParameterizedTest
  @MethodSource("setups")
  void countsEachConnectionOnceAndReturnsToZero(Setup setup) {
    Vertx vertx = vertxFor(setup);
    List<TestBackend> backends = List.of(
        TestBackend.named(vertx, "a").await(), TestBackend.named(vertx, "b").await(),
        TestBackend.named(vertx, "c").await());
    startProxy(vertx, setup.balancer(), addresses(backends));

    List<Future<Buffer>> answers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("x")));
    }
    Future.all(answers).await();

    answers.forEach(answer -> assertThat(answer.result().toString()).isIn("a", "b", "c"));
    Await.noActiveConnections(proxy);
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::totalConnections).sum()).isEqualTo(60);
    assertThat(backends.stream().mapToInt(TestBackend::accepted).sum()).isEqualTo(60);
  }

  @ParameterizedTest
  @MethodSource("setups")
  void passesOnTheClientsHalfCloseAndRelaysTheAnswerSentAfterIt(Setup setup) throws Exception {
    Vertx vertx = vertxFor(setup);
    byte[] request = randomBytes(1024 * 1024, 11);
    // Reads until the client's FIN, then answers with what it read: only a relayed half-close lets it answer.
    try (ServerSocket backend = loopbackServer()) {
      CompletableFuture<byte[]> served = serveOnce(backend, socket -> {
        byte[] received = socket.getInputStream().readAllBytes();
        socket.getOutputStream().write(received);
        return received;
      });
      startProxy(vertx, setup.balancer(), List.of(new Backend("127.0.0.1", backend.getLocalPort())));

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
        client.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readAll(client));
        client.getOutputStream().write(request);
        client.shutdownOutput();
        assertThat(answer.get(30, TimeUnit.SECONDS)).as("answer sent after the client's FIN").isEqualTo(request);
      }
      served.get(30, TimeUnit.SECONDS);
    }
    Await.noActiveConnections(proxy);
  }

  @ParameterizedTest
  @MethodSource("setups")
  void passesOnTheBackendsHalfCloseAndKeepsRelayingTheClient(Setup setup) throws Exception {
    Vertx vertx = vertxFor(setup);
    byte[] greeting = "hello, then FIN\n".getBytes(StandardCharsets.US_ASCII);
    byte[] upload = randomBytes(256 * 1024, 12);
    // Greets, sends its FIN at once, then still reads everything the client sends.
    try (ServerSocket backend = loopbackServer()) {
      CompletableFuture<byte[]> uploaded = serveOnce(backend, socket -> {
        socket.getOutputStream().write(greeting);
        socket.shutdownOutput();
        return socket.getInputStream().readAllBytes();
      });
      startProxy(vertx, setup.balancer(), List.of(new Backend("127.0.0.1", backend.getLocalPort())));

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
        client.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        assertThat(readAll(client)).as("greeting, then the backend's FIN").isEqualTo(greeting);
        client.getOutputStream().write(upload);
        client.shutdownOutput();
        assertThat(uploaded.get(30, TimeUnit.SECONDS)).as("sent after the backend's FIN").isEqualTo(upload);
      }
    }
    Await.noActiveConnections(proxy);
  }

  /** What a blocking backend does with one accepted socket. */
  private interface Exchange {
    byte[] run(Socket socket) throws IOException;
  }

  /** Accepts one connection on {@code backend} and runs {@code exchange} on it, on the backend thread. */
  private CompletableFuture<byte[]> serveOnce(ServerSocket backend, Exchange exchange) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket socket = backend.accept()) {
        socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return exchange.run(socket);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, backendThread);
  }

  private static ServerSocket loopbackServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
    return server;
  }

  private static byte[] readAll(Socket socket) {
    try {
      return socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] randomBytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
