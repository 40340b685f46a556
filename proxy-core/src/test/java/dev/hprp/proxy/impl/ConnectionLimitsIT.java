package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.HoldingBackend;
import dev.hprp.proxy.testing.ListenBacklog;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connection limits: per backend with the queue, proxy-wide by pausing accept, and the client timeout. */
@ExtendWith(VertxExtension.class)
class ConnectionLimitsIT {

  private static final Duration SETTLE = Duration.ofSeconds(20);

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private void startProxy(Vertx vertx, List<dev.hprp.proxy.Backend> backends, ReverseProxyOptions options) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        .with(options.setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
  }

  @Test
  void eightClientsOverTwoBackendsLimitedToTwoEachWaitInTheQueueAndAreAllServed(Vertx vertx) throws Exception {
    HoldingBackend a = HoldingBackend.start(vertx, "a");
    HoldingBackend b = HoldingBackend.start(vertx, "b");
    startProxy(vertx, List.of(a.backend(), b.backend()), new ReverseProxyOptions().setBackendMaxConnections(2));
    NetClient client = vertx.createNetClient();

    List<Future<Buffer>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hello")));
    }
    // Both backends at their limit, held there, and the other four clients waiting.
    await().atMost(SETTLE).until(() -> a.open() == 2 && b.open() == 2 && proxy.queuedConnections() == 4);
    a.release();
    b.release();

    Future.all(answers).await(20, TimeUnit.SECONDS);
    assertThat(answers).extracting(answer -> answer.result().toString()).allMatch(s -> s.equals("a") || s.equals("b"));
    assertThat(a.accepted() + b.accepted()).isEqualTo(8);
    assertThat(a.maxOpen()).as("most connections at once at a").isEqualTo(2);
    assertThat(b.maxOpen()).as("most connections at once at b").isEqualTo(2);
    assertThat(proxy.queuedConnections()).isZero();
    Await.noActiveConnections(proxy);
  }

  @Test
  void clientsLeftWaitingAreClosedAtTheQueueTimeoutOrAtOnceWhenTheQueueIsFull(Vertx vertx) throws Exception {
    HoldingBackend a = HoldingBackend.start(vertx, "a");
    startProxy(vertx, List.of(a.backend()), new ReverseProxyOptions().setBackendMaxConnections(1).setMaxQueue(1)
        .setQueueTimeout(Duration.ofMillis(300)));
    NetClient client = vertx.createNetClient();

    Future<Buffer> first = Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("1"));
    await().atMost(SETTLE).until(() -> a.open() == 1);
    Future<Buffer> queued = Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("2"));
    await().atMost(SETTLE).until(() -> proxy.queuedConnections() == 1);
    Future<Buffer> overflow = Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("3"));

    assertThat(overflow.await(20, TimeUnit.SECONDS).length()).as("closed at once, queue full").isZero();
    assertThat(queued.await(20, TimeUnit.SECONDS).length()).as("closed at the queue timeout").isZero();
    assertThat(proxy.queuedConnections()).isZero();
    assertThat(first.isComplete()).as("the client with the slot is still served").isFalse();
    a.release();
    assertThat(first.await(20, TimeUnit.SECONDS).toString()).isEqualTo("a");
    assertThat(a.accepted()).isEqualTo(1);
    // Waiting is not a failure of the backend's.
    assertThat(proxy.backends().get(0).failedConnects()).isZero();
    Await.noActiveConnections(proxy);
  }

  @Test
  void theEleventhClientWaitsInTheBacklogUntilOneOfTenLeavesOnNio(Vertx vertx) throws Exception {
    eleventhWaitsInTheBacklog(vertx);
  }

  @Test
  void theEleventhClientWaitsInTheBacklogUntilOneOfTenLeavesOnTheNativeTransport() throws Exception {
    eleventhWaitsInTheBacklog(nativeVertx.get());
  }

  private void eleventhWaitsInTheBacklog(Vertx vertx) throws Exception {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    startProxy(vertx, List.of(echo.backend()), new ReverseProxyOptions().setMaxConnections(10).setEventLoops(2));
    NetClient client = vertx.createNetClient();
    int port = proxy.actualPort();
    AcceptGate gate = ((ReverseProxyImpl) proxy).connector().edge().acceptGate();

    List<EchoClient> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      EchoClient c = EchoClient.connect(vertx, client, port);
      c.send("ping-" + i).await(20, TimeUnit.SECONDS);
      ten.add(c);
    }
    assertThat(echo.accepted()).isEqualTo(10);

    EchoClient eleventh = EchoClient.connect(vertx, client, port); // the kernel completes the handshake
    Future<Void> answered = eleventh.send("ping-10");
    if (ListenBacklog.available()) {
      await("the eleventh in the kernel's accept queue").atMost(SETTLE).until(() -> ListenBacklog.waiting(port) == 1);
    }
    assertThat(gate.open()).as("connections the proxy accepted").isEqualTo(10);
    assertThat(gate.held()).isZero();
    assertThat(echo.accepted()).isEqualTo(10);
    assertThat(answered.isComplete()).isFalse();

    ten.get(0).socket.close();
    answered.await(20, TimeUnit.SECONDS);
    assertThat(echo.accepted()).isEqualTo(11);
    assertThat(gate.open()).isEqualTo(10);
    ten.forEach(c -> c.socket.close());
    eleventh.socket.close();
    await().atMost(SETTLE).until(() -> gate.open() == 0);
  }

  @Test
  void aClientThatSendsNothingIsClosedAtTheClientTimeoutWhileOthersAreServed(Vertx vertx) throws Exception {
    TestBackend named = TestBackend.named(vertx, "ok").await();
    startProxy(vertx, List.of(named.backend()), new ReverseProxyOptions().setClientTimeout(Duration.ofMillis(300)));
    NetClient client = vertx.createNetClient();

    Future<Buffer> silent = Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer());
    Future<Buffer> talking = Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi"));

    assertThat(talking.await(20, TimeUnit.SECONDS).toString()).isEqualTo("ok");
    assertThat(silent.await(20, TimeUnit.SECONDS).length()).isZero();
    Await.noActiveConnections(proxy);
  }

  /** A client socket whose echoes are awaited one at a time. */
  private static final class EchoClient {
    final NetSocket socket;
    private final Context context;
    private final Buffer received = Buffer.buffer();
    private Promise<Void> expected;
    private int expectedLength;

    private EchoClient(NetSocket socket) {
      this.socket = socket;
      this.context = Vertx.currentContext();
      socket.handler(data -> {
        received.appendBuffer(data);
        if (expected != null && received.length() >= expectedLength) {
          expected.tryComplete();
        }
      });
    }

    static EchoClient connect(Vertx vertx, NetClient client, int port) {
      return Clients.onEventLoop(vertx, () -> client.connect(port, "127.0.0.1").map(EchoClient::new)).await();
    }

    /** Sends {@code text}; completes when its echo is back. */
    Future<Void> send(String text) {
      Promise<Void> promise = Promise.promise();
      context.runOnContext(v -> {
        expected = promise;
        expectedLength = received.length() + text.length();
        socket.write(text);
      });
      return promise.future();
    }
  }
}
