package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Flood;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The relay end to end: bytes exact both ways, backpressure, and the close policy. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TcpRelayIT {

  private static final long SIXTY_FOUR_MIB = 64L * 1024 * 1024;

  private ReverseProxy proxy;
  /**
   * Held in a field: Vert.x closes a client, and every socket it opened, once the client is unreachable, so a client
   * created inline can vanish mid-test.
   */
  private NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private ReverseProxy startProxy(Vertx vertx, Backend... backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(backends))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    return proxy;
  }

  @Test
  void relaysSixtyFourMibEachWayConcurrentlyByteExact(Vertx vertx) {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    startProxy(vertx, echo.backend());
    String expected = TestData.properties("payloads.properties").getProperty("seed42.64MiB.sha256");

    List<String> digests = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          Future<String> received = Payloads.receive(socket, SIXTY_FOUR_MIB);
          Future<String> sent = Payloads.send(socket, SIXTY_FOUR_MIB, 42);
          return Future.all(sent, received).eventually(socket::close)
              .map(all -> List.of(sent.result(), received.result()));
        })).await();

    assertThat(digests).containsExactly(expected, expected);
    BackendStatus status = proxy.backends().get(0);
    assertThat(status.bytesToBackend()).isEqualTo(SIXTY_FOUR_MIB);
    assertThat(status.bytesFromBackend()).isEqualTo(SIXTY_FOUR_MIB);
  }

  @Test
  void pausesClientWhenBackendStopsReadingAndLosesNothing(Vertx vertx) {
    TestBackend stalled = TestBackend.start(vertx, TestBackend.Mode.UNRESPONSIVE).await();
    startProxy(vertx, stalled.backend());

    // The backend reads nothing, so every byte the client gets rid of sits in kernel buffers or in the proxy; a
    // proxy without backpressure would absorb all of it.
    Flood flood = Flood.start(vertx, proxy.actualPort(), 512L * 1024 * 1024).await();
    long total = flood.stalled().await();

    // Kernel socket buffers on the path (client send, proxy receive and send, backend receive) hold a few MiB each
    // under loopback autotuning; anything past that would be the proxy buffering.
    assertThat(total).isLessThan(48L * 1024 * 1024);
    assertThat(proxy.backends().get(0).bytesToBackend()).isLessThanOrEqualTo(total);

    // The backend starts reading: every byte written arrives, none lost.
    NetSocket backendSide = stalled.sockets().iterator().next();
    Promise<Long> arrived = Promise.promise();
    long[] count = {0};
    backendSide.handler(buffer -> {
      count[0] += buffer.length();
      if (count[0] == total) {
        arrived.tryComplete(count[0]);
      }
    });
    backendSide.resume();
    assertThat(arrived.future().await()).isEqualTo(total);
    flood.close().await();
  }

  @Test
  void deliversBackendsLastBytesBeforeClosingTheClient(Vertx vertx) {
    long size = 8L * 1024 * 1024;
    NetServer sender = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(socket -> Payloads.send(socket, size, 7).onComplete(ar -> socket.close()));
    sender.listen().await();
    startProxy(vertx, new Backend("127.0.0.1", sender.actualPort()));

    Promise<Void> closed = Promise.promise();
    String received = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          socket.closeHandler(v -> closed.complete());
          return Payloads.receive(socket, size);
        })).await();

    assertThat(received).isEqualTo(Payloads.sha256Of(size, 7));
    closed.future().await();
    awaitNoActiveConnections();
  }

  @Test
  void deliversClientsLastBytesBeforeClosingTheBackend(Vertx vertx) {
    long size = 8L * 1024 * 1024;
    Promise<String> backendReceived = Promise.promise();
    Promise<Void> backendClosed = Promise.promise();
    NetServer receiver = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(socket -> {
          Payloads.receive(socket, size).onComplete(backendReceived);
          socket.closeHandler(v -> backendClosed.complete());
        });
    receiver.listen().await();
    startProxy(vertx, new Backend("127.0.0.1", receiver.actualPort()));

    Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> Payloads.send(socket, size, 9).compose(sha -> socket.close()))).await();

    assertThat(backendReceived.future().await()).isEqualTo(Payloads.sha256Of(size, 9));
    backendClosed.future().await();
    awaitNoActiveConnections();
  }

  @Test
  void countsEachConnectionOnceAndReturnsToZero(Vertx vertx) {
    TestBackend backend = TestBackend.named(vertx, "a").await();
    startProxy(vertx, backend.backend());
    List<Future<Buffer>> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("x")));
    }
    Future.all(answers).await();
    answers.forEach(answer -> assertThat(answer.result().toString()).isEqualTo("a"));
    awaitNoActiveConnections();
    assertThat(proxy.backends().get(0).totalConnections()).isEqualTo(50);
  }

  /** Close handlers run just after the client saw its side close; wait for the proxy's count, bounded. */
  private void awaitNoActiveConnections() {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> proxy.backends().stream().allMatch(status -> status.activeConnections() == 0));
  }
}
