package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bodies through HTTP mode: large ones byte-exact both ways, chunked both ways, and Expect: 100-continue. */
@ExtendWith(VertxExtension.class)
class HttpBodiesIT {

  private static final long SIZE = 100L * 1024 * 1024;

  private final HttpProxies proxies = new HttpProxies();

  @AfterEach
  void closeProxies() {
    proxies.closeAll();
  }

  private ReverseProxy proxy(Vertx vertx, HttpBackend backend) {
    return proxies.start(vertx, List.of(backend.backend()));
  }

  /** A backend answering each request with the SHA-256 of its body (any framing) and the framing it saw. */
  private static HttpBackend hashing(Vertx vertx, long size) {
    return HttpBackend.start(vertx, "hashing", request -> Payloads.receive(request, size)
        .onComplete(ar -> request.response().end((ar.succeeded() ? ar.result() : "failed: " + ar.cause())
            + " " + (request.headers().contains(HttpHeaders.CONTENT_LENGTH) ? "length" : "chunked")))).await();
  }

  @Test
  void uploads100MiBByteExact(Vertx vertx) {
    ReverseProxy proxy = proxy(vertx, hashing(vertx, SIZE));
    HttpClient client = vertx.createHttpClient();
    String answer = Clients.onEventLoop(vertx, () -> client.request(new RequestOptions().setMethod(HttpMethod.PUT)
            .setPort(proxy.actualPort()).setHost("127.0.0.1").setURI("/upload")
            .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(SIZE)))
        .compose(request -> {
          Payloads.send(request, SIZE, 7).onSuccess(hash -> request.end());
          return request.response();
        })
        .compose(response -> response.body())).await().toString();
    assertThat(answer).isEqualTo(Payloads.sha256Of(SIZE, 7) + " length");
  }

  @Test
  void downloads100MiBByteExact(Vertx vertx) {
    HttpBackend source = HttpBackend.start(vertx, "source", request -> {
      request.response().putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(SIZE));
      Payloads.send(request.response(), SIZE, 11).onSuccess(hash -> request.response().end());
    }).await();
    ReverseProxy proxy = proxy(vertx, source);
    HttpClient client = vertx.createHttpClient();
    String hash = Clients.onEventLoop(vertx, () -> client.request(HttpMethod.GET, proxy.actualPort(), "127.0.0.1",
            "/download")
        .compose(HttpClientRequest::send)
        .compose(response -> Payloads.receive(response, SIZE))).await();
    assertThat(hash).isEqualTo(Payloads.sha256Of(SIZE, 11));
  }

  @Test
  void relaysChunkedBodiesBothWays(Vertx vertx) {
    long size = 3 * 1024 * 1024 + 17;
    HttpBackend chunkedEcho = HttpBackend.start(vertx, "echo", request -> {
      request.response().setChunked(true);
      request.handler(request.response()::write);
      request.endHandler(v -> request.response().end());
    }).await();
    ReverseProxy proxy = proxy(vertx, chunkedEcho);
    HttpClient client = vertx.createHttpClient();
    String hash = Clients.onEventLoop(vertx, () -> client.request(HttpMethod.POST, proxy.actualPort(), "127.0.0.1",
            "/echo")
        .compose(request -> {
          request.setChunked(true);
          Payloads.send(request, size, 3).onSuccess(sent -> request.end());
          return request.response();
        })
        .compose(response -> {
          assertThat(response.getHeader(HttpHeaders.TRANSFER_ENCODING)).isEqualTo("chunked");
          return Payloads.receive(response, size);
        })).await();
    assertThat(hash).isEqualTo(Payloads.sha256Of(size, 3));
    assertThat(chunkedEcho.heads().poll().get(HttpHeaders.TRANSFER_ENCODING)).isEqualTo("chunked");
  }

  /**
   * A backend may answer before it has read the whole body (a refusal, or a server that does not want it) and read no
   * more: the client gets the answer, its upload goes on to its end, and its connection serves the next request, for
   * which the pool's one connection slot is free again. The backend answers only once the upload has filled every
   * buffer on its way (the client's write queue is full), so the proxy is waiting for its backend write queue to drain
   * when the answer comes.
   */
  @Test
  void aResponseBeforeTheWholeBodyLetsTheUploadFinishAndTheConnectionGoOn(Vertx vertx) throws Exception {
    long size = 32L * 1024 * 1024;
    Promise<Void> uploadBlocked = Promise.promise();
    HttpBackend early = HttpBackend.start(vertx, "early", request -> {
      if (request.path().equals("/upload")) {
        request.pause();
        uploadBlocked.future().onSuccess(v -> request.response().end("early"));
      } else {
        request.response().end("next");
      }
    }).await();
    // One pooled connection per event loop: the next request needs the slot the upload's connection held.
    ReverseProxy proxy = proxies.start(vertx, List.of(early.backend()), new ReverseProxyOptions().setPoolSize(1),
        builder -> { });
    // A client on a bare socket: Vert.x's HTTP client would itself wait forever for the drain of its upload.
    NetClient client = vertx.createNetClient();
    Buffer received = Buffer.buffer();
    Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1").compose(socket -> {
      Promise<Void> answered = Promise.promise();
      Promise<Void> nextAnswered = Promise.promise();
      socket.handler(bytes -> {
        received.appendBuffer(bytes);
        String text = received.toString();
        if (text.endsWith("early")) {
          answered.tryComplete();
        } else if (text.endsWith("next")) {
          nextAnswered.tryComplete();
        }
      });
      socket.write("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n");
      return Payloads.send(new FullQueueSignal(socket, uploadBlocked), size, 5)
          .compose(hash -> answered.future())
          .compose(v -> socket.write("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"))
          .compose(v -> nextAnswered.future());
    })).await(20, TimeUnit.SECONDS);
    assertThat(received.toString()).startsWith("HTTP/1.1 200").contains("earlyHTTP/1.1 200").endsWith("next");
    client.close();
  }

  /** A write stream that completes {@code full} the first time its write queue is full. */
  private record FullQueueSignal(WriteStream<Buffer> out, Promise<Void> full) implements WriteStream<Buffer> {

    @Override
    public boolean writeQueueFull() {
      boolean queueFull = out.writeQueueFull();
      if (queueFull) {
        full.tryComplete();
      }
      return queueFull;
    }

    @Override
    public Future<Void> write(Buffer data) {
      return out.write(data);
    }

    @Override
    public Future<Void> end() {
      return out.end();
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      out.exceptionHandler(handler);
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      out.setWriteQueueMaxSize(maxSize);
      return this;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      out.drainHandler(handler);
      return this;
    }
  }

  @Test
  void answersExpectContinueItselfWhenTheBackendIgnoresIt(Vertx vertx) {
    HttpBackend backend = hashing(vertx, 5);
    ReverseProxy proxy = proxy(vertx, backend);
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      raw.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      // curl would wait a second for this; the proxy sends it at once, whatever the backend does.
      assertThat(raw.readResponse()).startsWith("HTTP/1.1 100");
      raw.send("hello");
      assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith(" length");
    }
    assertThat(backend.heads().poll().contains("Expect")).isFalse();
  }
}
