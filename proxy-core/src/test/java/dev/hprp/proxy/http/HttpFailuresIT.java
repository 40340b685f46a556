package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.RawHttp;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The statuses HTTP mode produces itself, each from a real misbehaving backend, and when it retries. */
@ExtendWith(VertxExtension.class)
class HttpFailuresIT {

  private final HttpProxies proxies = new HttpProxies();

  @AfterEach
  void closeProxies() {
    proxies.closeAll();
  }

  private ReverseProxy proxy(Vertx vertx, List<dev.hprp.proxy.Backend> backends, ReverseProxyOptions options,
      HttpOptions http) {
    return proxies.start(vertx, backends, options,
        builder -> builder.passiveHealth(new PassiveHealthOptions().setEnabled(false)).http(http));
  }

  private static String get(int port, String request) {
    try (RawHttp raw = new RawHttp(port)) {
      return raw.send(request).readResponse();
    }
  }

  private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

  @Test
  void answers502WhenTheBackendClosesWithoutAResponse(Vertx vertx) {
    HttpBackend closing = HttpBackend.start(vertx, "closing", request -> request.connection().close()).await();
    ReverseProxy proxy = proxy(vertx, List.of(closing.backend()), new ReverseProxyOptions(), new HttpOptions());
    assertThat(get(proxy.actualPort(), GET)).startsWith("HTTP/1.1 502").contains("failed before a complete response");
    // A GET on a new connection is retried once.
    assertThat(closing.requests()).isEqualTo(2);
  }

  @Test
  void answers502ForAnInvalidResponse(Vertx vertx) {
    NetServer garbage = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(data -> socket.end(io.vertx.core.buffer.Buffer.buffer(
            "NOT HTTP AT ALL\r\n\r\n"))));
    garbage.listen(0, "127.0.0.1").await();
    ReverseProxy proxy = proxy(vertx, List.of(new dev.hprp.proxy.Backend("127.0.0.1", garbage.actualPort())),
        new ReverseProxyOptions(), new HttpOptions());
    assertThat(get(proxy.actualPort(), GET)).startsWith("HTTP/1.1 502");
  }

  @Test
  void answers504WhenTheBackendSendsNoResponseInTime(Vertx vertx) {
    HttpBackend silent = HttpBackend.start(vertx, "silent", request -> { }).await();
    ReverseProxy proxy = proxy(vertx, List.of(silent.backend()), new ReverseProxyOptions(),
        new HttpOptions().setResponseTimeout(Duration.ofMillis(300)));
    assertThat(get(proxy.actualPort(), GET)).startsWith("HTTP/1.1 504").contains("no response within 300 ms");
    assertThat(silent.requests()).isEqualTo(1);
  }

  @Test
  void closesTheClientWhenTheBackendStallsMidResponse(Vertx vertx) {
    HttpBackend stalling = HttpBackend.start(vertx, "stalling",
        request -> request.response().putHeader("Content-Length", "10").write("hello")).await();
    ReverseProxy proxy = proxy(vertx, List.of(stalling.backend()), new ReverseProxyOptions(),
        new HttpOptions().setResponseTimeout(Duration.ofMillis(300)));
    // Without the timeout the read would end at RawHttp's socket timeout (10 s) instead, and say so.
    assertThatThrownBy(() -> get(proxy.actualPort(), GET)).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("closed after 5 of 10 bytes");
    assertThat(stalling.requests()).isEqualTo(1);
  }

  @Test
  void neverRetriesAPostWhoseBodyWasSent(Vertx vertx) {
    Handler<HttpServerRequest> readThenClose = request -> request.body().onComplete(ar -> request.connection().close());
    HttpBackend first = HttpBackend.start(vertx, "first", readThenClose).await();
    HttpBackend second = HttpBackend.start(vertx, "second", readThenClose).await();
    ReverseProxy proxy = proxy(vertx, List.of(first.backend(), second.backend()), new ReverseProxyOptions(),
        new HttpOptions());
    String response = get(proxy.actualPort(), "POST /order HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
    assertThat(response).startsWith("HTTP/1.1 502");
    assertThat(first.requests() + second.requests()).isEqualTo(1);
  }

  @Test
  void answers503WhenThePoolQueueIsFullOrTimesOut(Vertx vertx) {
    Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    HttpBackend holding = HttpBackend.start(vertx, "holding", held::add).await();
    ReverseProxy proxy = proxy(vertx, List.of(holding.backend()),
        new ReverseProxyOptions().setEventLoops(1).setPoolSize(1).setConnectTimeout(Duration.ofMillis(100)),
        new HttpOptions().setPoolQueue(1).setPoolQueueTimeout(Duration.ofMillis(300)));
    try (RawHttp inFlight = new RawHttp(proxy.actualPort()); RawHttp queued = new RawHttp(proxy.actualPort());
        RawHttp refused = new RawHttp(proxy.actualPort())) {
      inFlight.send(GET);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
      queued.send(GET);
      refused.send(GET);
      // Whichever of the two the proxy read first takes the queue's one place and times out there; the other
      // finds the queue full.
      List<String> answers = List.of(queued.readResponse(), refused.readResponse());
      assertThat(answers).allSatisfy(answer -> assertThat(answer).startsWith("HTTP/1.1 503"));
      assertThat(answers).anySatisfy(answer -> assertThat(answer).contains("pool and queue are full"));
      assertThat(answers).anySatisfy(answer -> assertThat(answer).contains("queue timeout"));
      held.poll().response().end("done");
      assertThat(inFlight.readResponse()).startsWith("HTTP/1.1 200").endsWith("done");
    }
    assertThat(holding.accepted()).isEqualTo(1);
  }

  @Test
  void retriesAnIdempotentRequestWhenANewConnectionFailsBeforeAnswering(Vertx vertx) {
    HttpBackend closing = HttpBackend.start(vertx, "closing", request -> request.connection().close()).await();
    HttpBackend good = HttpBackend.named(vertx, "good").await();
    ReverseProxy proxy = proxy(vertx, List.of(closing.backend(), good.backend()), new ReverseProxyOptions(),
        new HttpOptions());
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answers.add(get(proxy.actualPort(), GET));
    }
    assertThat(answers).allSatisfy(answer -> assertThat(answer).startsWith("HTTP/1.1 200").endsWith("good"));
  }

  @Test
  void theBackendsFailuresCountForPassiveHealth(Vertx vertx) {
    HttpBackend closing = HttpBackend.start(vertx, "closing", request -> request.connection().close()).await();
    HttpBackend good = HttpBackend.named(vertx, "good").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(closing.backend(), good.backend()), new ReverseProxyOptions(),
        builder -> builder.passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(2)));
    for (int i = 0; i < 4; i++) {
      assertThat(get(proxy.actualPort(), GET)).startsWith("HTTP/1.1 200");
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        proxy.backends().get(0).health() == dev.hprp.proxy.BackendHealth.EJECTED);
  }
}
