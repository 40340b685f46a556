package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.RawHttp;
import dev.hprp.proxy.testing.StandardError;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.VertxExtension;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** WebSocket through HTTP mode: the upgrade relayed, large messages echoed to a slow reader, the close passed on. */
@ExtendWith(VertxExtension.class)
class WebSocketIT {

  private static final int MESSAGE = 4 * 1024 * 1024;
  private static final int MESSAGES = 4;

  private HttpServer backend;
  private final AtomicReference<ServerWebSocket> lastSocket = new AtomicReference<>();
  private ReverseProxy proxy;
  /**
   * The tests' clients, held for the test's length: Vert.x closes a client that is no longer referenced when the
   * garbage collector finds it, its connections with it, which a client made inline in a test may be mid-exchange.
   */
  private final List<WebSocketClient> clients = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setMaxWebSocketMessageSize(2 * MESSAGE).setMaxWebSocketFrameSize(MESSAGE))
        .webSocketHandler(socket -> {
          lastSocket.set(socket);
          socket.binaryMessageHandler(message -> socket.writeBinaryMessage(message)); // echo
        })
        .requestHandler(request -> request.response().end("plain"));
    backend.listen().await();
    proxy = ReverseProxy.builder(vertx)
        .backend(new dev.hprp.proxy.Backend("127.0.0.1", backend.actualPort()))
        .with(new ReverseProxyOptions().setMode(ProxyMode.HTTP).setHost("127.0.0.1").setPort(0))
        .http(new HttpOptions())
        .build();
    proxy.start().await();
  }

  @AfterEach
  void stop() {
    proxy.close().await();
    clients.clear(); // closed with the test's Vert.x
  }

  private WebSocketClient client(Vertx vertx, WebSocketClientOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(options);
    clients.add(client);
    return client;
  }

  private io.vertx.core.Future<WebSocket> connectAsync(Vertx vertx) {
    return client(vertx, new WebSocketClientOptions().setMaxMessageSize(2 * MESSAGE)
            .setMaxFrameSize(MESSAGE))
        .connect(new WebSocketConnectOptions().setPort(proxy.actualPort()).setHost("127.0.0.1").setURI("/ws"));
  }


  private static byte[] message(int seed) {
    byte[] bytes = new byte[MESSAGE];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void echoes4MiBMessagesToASlowReader(Vertx vertx) throws Exception {
    List<String> sent = new ArrayList<>();
    List<Buffer> messages = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      byte[] message = message(i);
      sent.add(sha256(message));
      messages.add(Buffer.buffer(message));
    }
    List<String> received = new ArrayList<>();
    // Driven from one event loop: a socket's pause and fetch race with its reads when called from another thread.
    Clients.onEventLoop(vertx, () -> connectAsync(vertx).compose(socket -> {
      Promise<Void> all = Promise.promise();
      socket.pause();
      socket.binaryMessageHandler(message -> {
        try {
          received.add(sha256(message.getBytes()));
        } catch (Exception e) {
          all.tryFail(e);
        }
        if (received.size() == MESSAGES) {
          all.tryComplete();
        }
      });
      messages.forEach(socket::writeBinaryMessage);
      // A slow reader: one frame every 2 ms, so the echo backs up through the proxy to the backend.
      long reader = vertx.setPeriodic(2, id -> socket.fetch(1));
      return all.future().eventually(() -> {
        vertx.cancelTimer(reader);
        return socket.close();
      });
    })).await(60, TimeUnit.SECONDS);
    assertThat(received).containsExactlyElementsOf(sent);
    Await.noActiveConnections(proxy);
  }

  @Test
  void upgradesWithKeepAliveAmongTheConnectionTokensAndPassesTheBackendsClose(Vertx vertx) {
    Promise<Void> closed = Promise.promise();
    Promise<String> echoed = Promise.promise();
    // Driven from one event loop, handlers set before anything can arrive.
    Clients.onEventLoop(vertx, () -> client(vertx, new WebSocketClientOptions()).connect(new WebSocketConnectOptions()
            .setPort(proxy.actualPort()).setHost("127.0.0.1").setURI("/ws")
            .addHeader("Connection", "keep-alive, Upgrade"))
        .map(socket -> {
          socket.closeHandler(v -> closed.tryComplete());
          socket.binaryMessageHandler(message -> echoed.tryComplete(message.toString()));
          socket.writeBinaryMessage(Buffer.buffer("ping"));
          return socket;
        })).await();
    assertThat(echoed.future().await()).isEqualTo("ping");
    lastSocket.get().close();
    closed.future().await();
    Await.noActiveConnections(proxy);
  }

  /**
   * A tunnel's end, from either side, is the normal end of a WebSocket: the proxy's upgrade request to the backend,
   * which never ends as a request does, must not have Vert.x log it as an unhandled failure.
   */
  @Test
  void aTunnelEndedByEitherSideLogsNoError(Vertx vertx) throws Exception {
    String logged = StandardError.capturedWhile(() -> {
      for (boolean backendCloses : new boolean[] {true, false}) {
        Promise<Void> closed = Promise.promise();
        lastSocket.set(null);
        WebSocket socket = Clients.onEventLoop(vertx, () -> connectAsync(vertx).map(connected -> {
          connected.closeHandler(v -> closed.tryComplete());
          return connected;
        })).await(20, TimeUnit.SECONDS);
        // The backend's handler may run just after the client saw the upgrade answered.
        ServerWebSocket atBackend = Awaitility.await().atMost(Duration.ofSeconds(10)).until(lastSocket::get,
            Objects::nonNull);
        if (backendCloses) {
          atBackend.close();
        } else {
          socket.close();
        }
        closed.future().await(20, TimeUnit.SECONDS);
        Await.noActiveConnections(proxy);
      }
    });
    assertThat(logged).doesNotContain("ERROR");
  }

  /**
   * Extensions are negotiated end to end, the proxy taking no part (its server offers no WebSocket compression): a
   * client offering {@code permessage-deflate} (every browser does) to a backend without it gets the backend's
   * answer, no extension, and its uncompressed messages echoed. A proxy that answered the offer itself would let the
   * client compress frames the backend cannot read.
   */
  @Test
  void aCompressionOfferIsTheBackendsToAnswer(Vertx vertx) throws Exception {
    HttpServer plain = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false))
        .webSocketHandler(socket -> socket.textMessageHandler(socket::writeTextMessage));
    plain.listen().await();
    ReverseProxy other = ReverseProxy.builder(vertx)
        .backend(new dev.hprp.proxy.Backend("127.0.0.1", plain.actualPort()))
        .with(new ReverseProxyOptions().setMode(ProxyMode.HTTP).setHost("127.0.0.1").setPort(0))
        .build();
    other.start().await();
    try (RawHttp raw = new RawHttp(other.actualPort())) {
      String head = raw.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n").readResponse();
      assertThat(head).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("sec-websocket-extensions");
      Promise<String> echoed = Promise.promise();
      Clients.onEventLoop(vertx, () -> client(vertx, new WebSocketClientOptions()
              .setTryUsePerMessageCompression(true))
          .connect(new WebSocketConnectOptions().setPort(other.actualPort()).setHost("127.0.0.1").setURI("/ws"))
          .map(socket -> {
            socket.textMessageHandler(echoed::tryComplete);
            socket.writeTextMessage("x".repeat(4096)); // compressible: a client that may compress it, does
            return socket;
          })).await();
      assertThat(echoed.future().await(10, TimeUnit.SECONDS)).isEqualTo("x".repeat(4096));
    } finally {
      other.close().await();
      plain.close().await();
    }
  }

  @Test
  void aRefusedUpgradeIsAnsweredAsAnyResponse(Vertx vertx) {
    HttpBackend refusing = HttpBackend.start(vertx, "refusing", request -> request.response().setStatusCode(403)
        .end("no WebSocket here")).await();
    ReverseProxy other = ReverseProxy.builder(vertx)
        .backend(refusing.backend())
        .with(new ReverseProxyOptions().setMode(ProxyMode.HTTP).setHost("127.0.0.1").setPort(0))
        .build();
    other.start().await();
    try (RawHttp raw = new RawHttp(other.actualPort())) {
      String response = raw.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").readResponse();
      assertThat(response).startsWith("HTTP/1.1 403").endsWith("no WebSocket here");
    } finally {
      other.close().await();
    }
  }
}
