package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.metrics.HprpMetrics;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.PrometheusScrape;
import dev.hprp.proxy.testing.RawHttp;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTP mode's operations: the request meters equal what the test drove, one record per request, and the drain
 * (in-flight requests finish with {@code Connection: close}, idle connections close at once, new ones are refused,
 * the rest are cut at the deadline).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpOperationsIT {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final HttpProxies proxies = new HttpProxies();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Queue<ConnectionRecord> records = new ConcurrentLinkedQueue<>();
  /** Requests to {@code /slow}, held until the test answers them. */
  private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  private final List<HprpMetrics> metrics = new ArrayList<>();

  @AfterEach
  void close() {
    metrics.forEach(HprpMetrics::close);
    proxies.closeAll();
  }

  /**
   * A backend that holds {@code /slow}, closes the connection on {@code /close} once it has read the body, and
   * answers anything else with the request's body (or {@code ok} when it has none).
   */
  private Future<HttpBackend> backend(Vertx vertx, String name) {
    return HttpBackend.start(vertx, name, request -> {
      switch (request.path()) {
        case "/slow" -> held.add(request);
        case "/close" -> request.body().onComplete(ar -> request.connection().close());
        default -> request.body()
            .onSuccess(body -> request.response().end(body.length() == 0 ? "ok" : body.toString()));
      }
    });
  }

  private ReverseProxy proxy(Vertx vertx, List<Backend> backends, ReverseProxyOptions options) {
    return proxy(vertx, backends, options, registry);
  }

  /** A proxy recording into {@link #records}, its meters bound to {@code meters}. */
  private ReverseProxy proxy(Vertx vertx, List<Backend> backends, ReverseProxyOptions options,
      PrometheusMeterRegistry meters) {
    ReverseProxy proxy = proxies.start(vertx, backends, options, builder -> builder
        .balancer(Balancer.roundRobin())
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .onConnection(records::add));
    HprpMetrics bound = new HprpMetrics(proxy);
    bound.bindTo(meters);
    metrics.add(bound);
    return proxy;
  }

  private static String exchange(int port, String request) {
    try (RawHttp raw = new RawHttp(port)) {
      return raw.send(request).readResponse();
    }
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }

  private static String post(String path, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  // ------------------------------------------------------------------------------------------------- metrics

  @Test
  void requestCountersEqualTheRequestsDrivenByBackendAndStatus(Vertx vertx) {
    HttpBackend good = backend(vertx, "good").await();
    ReverseProxy proxy = proxy(vertx, List.of(good.backend()), new ReverseProxyOptions());
    PrometheusMeterRegistry refusingMeters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ReverseProxy refusing = proxy(vertx, List.of(Ports.refusingBackend()), new ReverseProxyOptions(),
        refusingMeters);

    for (int i = 0; i < 7; i++) {
      assertThat(exchange(proxy.actualPort(), get("/ok"))).startsWith("HTTP/1.1 200").endsWith("ok");
    }
    for (int i = 0; i < 3; i++) {
      // A POST whose body went out is never retried: the backend's close is the client's 502.
      assertThat(exchange(proxy.actualPort(), post("/close", "hello"))).startsWith("HTTP/1.1 502");
    }
    for (int i = 0; i < 4; i++) {
      assertThat(exchange(refusing.actualPort(), get("/ok"))).startsWith("HTTP/1.1 503");
    }

    String id = good.backend().id();
    // Counted as each request ends, just after the client read its response.
    Awaitility.await().atMost(WAIT).until(() -> requests(registry, id, "2xx") + requests(registry, id, "5xx") >= 10
        && requests(refusingMeters, HprpMetrics.NO_BACKEND, "5xx") >= 4);
    PrometheusScrape scrape = scrape(registry);
    assertThat(requests(registry, id, "2xx")).isEqualTo(7);
    assertThat(requests(registry, id, "5xx")).isEqualTo(3);
    assertThat(scrape.family("hprp_http_requests_total").getMetricList()).hasSize(2);
    Metrics.Histogram duration = scrape.metric("hprp_http_request_duration_seconds", "backend", id).getHistogram();
    assertThat(duration.getSampleCount()).isEqualTo(10);
    assertThat(duration.getBucketCount()).as("percentile buckets for histogram_quantile").isGreaterThan(10);
    assertThat(scrape.value("hprp_pool_queue_waiting", null)).isZero();
    // Each request came on a connection of its own, counted as TCP mode's connections are.
    Awaitility.await().atMost(WAIT).until(() -> scrape(registry).value("hprp_connections_active", null) == 0);
    assertThat(scrape.value("hprp_connections_accepted_total", null)).isEqualTo(10);

    PrometheusScrape refused = scrape(refusingMeters);
    assertThat(requests(refusingMeters, HprpMetrics.NO_BACKEND, "5xx")).isEqualTo(4);
    assertThat(refused.family("hprp_http_requests_total").getMetricList()).hasSize(1);
    assertThat(refused.metric("hprp_http_request_duration_seconds", "backend", HprpMetrics.NO_BACKEND)
        .getHistogram().getSampleCount()).isEqualTo(4);

    String text = registry.scrape();
    assertThat(scrape.sameSamplesAs(text)).extracting(PrometheusScrape.Sample::name)
        .contains("hprp_http_requests_total", "hprp_http_request_duration_seconds_bucket", "hprp_pool_queue_waiting");
    assertThat(text).contains("hprp_http_requests_total{backend=\"" + id + "\",code=\"2xx\"} 7")
        .contains("# TYPE hprp_http_request_duration_seconds histogram");
    assertThat(refusingMeters.scrape()).contains("hprp_http_requests_total{backend=\"none\",code=\"5xx\"} 4");
  }

  @Test
  void thePoolQueueGaugeCountsTheRequestsWaitingForAPooledConnection(Vertx vertx) {
    HttpBackend backend = backend(vertx, "pooled").await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()),
        new ReverseProxyOptions().setEventLoops(1).setPoolSize(1));
    try (RawHttp first = new RawHttp(proxy.actualPort()); RawHttp second = new RawHttp(proxy.actualPort())) {
      first.send(get("/slow"));
      Awaitility.await().atMost(WAIT).until(() -> held.size() == 1);
      second.send(get("/ok")); // the pool's one connection is busy: this one waits for it
      Awaitility.await().atMost(WAIT).until(() -> scrape().value("hprp_pool_queue_waiting", null) == 1);

      held.poll().response().end("slow");
      assertThat(first.readResponse()).startsWith("HTTP/1.1 200").endsWith("slow");
      assertThat(second.readResponse()).startsWith("HTTP/1.1 200").endsWith("ok");
    }
    assertThat(scrape().value("hprp_pool_queue_waiting", null)).isZero();
    assertThat(backend.accepted()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------------- records

  @Test
  void eachRequestHasOneRecordWithItsAttemptsBytesAndTimes(Vertx vertx) {
    HttpBackend good = backend(vertx, "good").await();
    Backend refused = Ports.refusingBackend();
    ReverseProxy proxy = proxy(vertx, List.of(refused, good.backend()), new ReverseProxyOptions());
    Instant before = Instant.now();

    // Round-robin over the two: some requests go to the refusing backend first and fail over.
    int requests = 4;
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      for (int i = 0; i < requests; i++) {
        raw.send(post("/echo?n=" + i, "hello"));
        assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("hello");
      }
    }
    Awaitility.await().atMost(WAIT).until(() -> records.size() >= requests);
    assertThat(records).hasSize(requests);
    List<String> uris = new ArrayList<>();
    for (ConnectionRecord record : records) {
      uris.add(record.request().uri());
      assertThat(record.request().method()).isEqualTo("POST");
      assertThat(record.request().status()).isEqualTo(200);
      assertThat(record.end()).isEqualTo(EndState.COMPLETED);
      assertThat(record.backend()).isEqualTo(good.backend());
      assertThat(record.bytesToBackend()).isEqualTo(5);
      assertThat(record.bytesFromBackend()).isEqualTo(5);
      assertThat(record.start()).isBetween(before.minusMillis(5), Instant.now());
      assertThat(record.connectTime()).isNotNull().isLessThanOrEqualTo(record.firstByteTime());
      assertThat(record.firstByteTime()).isLessThanOrEqualTo(record.totalTime());
      ConnectionRecord.Attempt last = record.attempts().get(record.attempts().size() - 1);
      assertThat(last.backend()).isEqualTo(good.backend());
      assertThat(last.succeeded()).isTrue();
      assertThat(record.client().hostAddress()).isEqualTo("127.0.0.1");
    }
    assertThat(uris).containsExactly("/echo?n=0", "/echo?n=1", "/echo?n=2", "/echo?n=3");
    // The balancer picked the refusing backend for at least one of them: refused, then served by the other.
    assertThat(records).anySatisfy(record -> {
      assertThat(record.attempts()).hasSize(2);
      ConnectionRecord.Attempt first = record.attempts().get(0);
      assertThat(first.backend()).isEqualTo(refused);
      assertThat(first.succeeded()).isFalse();
      assertThat(first.failure()).isInstanceOf(ConnectException.class);
    });
  }

  @Test
  void theProxysOwnAnswersAreRecordedWithTheirEndState(Vertx vertx) {
    HttpBackend good = backend(vertx, "good").await();
    ReverseProxy proxy = proxy(vertx, List.of(good.backend()), new ReverseProxyOptions());
    ReverseProxy refusing = proxy(vertx, List.of(Ports.refusingBackend()), new ReverseProxyOptions(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)); // a registry holds one untagged proxy's meters

    assertThat(exchange(proxy.actualPort(), post("/close", "hello"))).startsWith("HTTP/1.1 502");
    assertThat(exchange(refusing.actualPort(), get("/nowhere"))).startsWith("HTTP/1.1 503");

    Awaitility.await().atMost(WAIT).until(() -> records.size() >= 2);
    assertThat(records).anySatisfy(record -> {
      assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("POST", "/close", 502));
      assertThat(record.end()).isIn(EndState.BACKEND_CLOSED, EndState.BACKEND_RESET);
      assertThat(record.backend()).isEqualTo(good.backend());
      assertThat(record.firstByteTime()).isNull();
    });
    assertThat(records).anySatisfy(record -> {
      assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/nowhere", 503));
      assertThat(record.end()).isEqualTo(EndState.REFUSED);
      assertThat(record.backend()).isNull();
      assertThat(record.connectTime()).isNull();
      assertThat(record.attempts()).isNotEmpty().allSatisfy(attempt -> assertThat(attempt.succeeded()).isFalse());
    });
  }

  @Test
  void aWebSocketIsOneRequestRecordedAndCountedWhenItsTunnelCloses(Vertx vertx) {
    HttpServer echo = vertx.createHttpServer()
        .webSocketHandler(socket -> socket.textMessageHandler(socket::writeTextMessage))
        .listen(0, "127.0.0.1").await();
    Backend backend = new Backend("127.0.0.1", echo.actualPort());
    ReverseProxy proxy = proxy(vertx, List.of(backend), new ReverseProxyOptions());
    WebSocketClient client = vertx.createWebSocketClient();

    WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(proxy.actualPort()).setURI("/ws?room=1")).await();
    Promise<String> echoed = Promise.promise();
    socket.textMessageHandler(echoed::tryComplete);
    socket.writeTextMessage("hello");
    assertThat(echoed.future().await()).isEqualTo("hello");
    assertThat(records).as("nothing recorded while the tunnel is open").isEmpty();
    socket.close().await();

    Awaitility.await().atMost(WAIT).until(() -> !records.isEmpty());
    ConnectionRecord record = records.peek();
    assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/ws?room=1", 101));
    assertThat(record.backend()).isEqualTo(backend);
    // The backend ends the TCP connection after the close handshake; which side's close the proxy sees first varies.
    assertThat(record.end()).isIn(EndState.COMPLETED, EndState.CLIENT_CLOSED, EndState.BACKEND_CLOSED);
    assertThat(record.bytesToBackend()).isPositive();
    assertThat(record.bytesFromBackend()).isPositive();
    assertThat(requests(registry, backend.id(), "1xx")).isEqualTo(1);
    client.close().await();
    echo.close().await();
  }

  // --------------------------------------------------------------------------------------------------- drain

  @Test
  void aDrainLetsTheRequestInFlightFinishClosesIdleConnectionsAndRefusesNewOnes(Vertx vertx) throws Exception {
    HttpBackend backend = backend(vertx, "draining").await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()), new ReverseProxyOptions());
    int port = proxy.actualPort();
    try (RawHttp inFlight = new RawHttp(port); RawHttp idle = new RawHttp(port)) {
      idle.send(get("/ok"));
      assertThat(idle.readResponse()).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
      inFlight.send(get("/slow"));
      Awaitility.await().atMost(WAIT).until(() -> held.size() == 1);

      Future<Integer> drained = proxy.shutdown(Duration.ofSeconds(30));

      assertThat(idle.closedByPeer()).as("the idle keep-alive connection is closed at once").isTrue();
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThatThrownBy(() -> new Socket(
          InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class));
      assertThat(drained.isComplete()).isFalse();

      held.poll().response().end("finished");
      String response = inFlight.readResponse();
      assertThat(response).startsWith("HTTP/1.1 200").endsWith("finished");
      assertThat(response.toLowerCase()).contains("\r\nconnection: close\r\n");
      assertThat(inFlight.closedByPeer()).isTrue();
      assertThat(drained.await(10, TimeUnit.SECONDS)).as("connections cut").isZero();
    }
    assertThat(records).anySatisfy(record -> {
      assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/slow", 200));
      assertThat(record.end()).isEqualTo(EndState.COMPLETED);
    });
  }

  @Test
  void aDrainsDeadlineCutsTheRequestsStillInFlight(Vertx vertx) throws Exception {
    HttpBackend backend = backend(vertx, "silent").await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()), new ReverseProxyOptions());
    try (RawHttp inFlight = new RawHttp(proxy.actualPort())) {
      inFlight.send(get("/slow"));
      Awaitility.await().atMost(WAIT).until(() -> held.size() == 1);

      int cut = proxy.shutdown(Duration.ofMillis(300)).await(10, TimeUnit.SECONDS);

      assertThat(cut).isEqualTo(1);
      assertThat(inFlight.closedByPeer()).isTrue();
    }
    Awaitility.await().atMost(WAIT).until(() -> !records.isEmpty());
    ConnectionRecord record = records.peek();
    assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/slow", 0));
    assertThat(record.end()).isEqualTo(EndState.DRAIN_TIMEOUT);
    assertThat(requests(registry, backend.backend().id(), "none")).isEqualTo(1);
  }

  @Test
  void requestHeadsTheProxyRefusesAreCountedAndRecordedWithoutABackend(Vertx vertx) {
    HttpBackend good = backend(vertx, "good").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(good.backend()), new ReverseProxyOptions(), builder -> builder
        .http(new HttpOptions().setRequestHeaderTimeout(Duration.ofMillis(300)))
        .onConnection(records::add));
    HprpMetrics bound = new HprpMetrics(proxy);
    bound.bindTo(registry);
    metrics.add(bound);

    assertThat(exchange(proxy.actualPort(), "\u0001\u0002 HELLO THERE\r\n\r\n")).matches("(?s)HTTP/1\\.[01] 400 .*");
    try (RawHttp slow = new RawHttp(proxy.actualPort())) {
      assertThat(slow.send("GET / HTTP/1.1\r\nHost: h\r\n").readResponse()).startsWith("HTTP/1.1 408");
    }

    Awaitility.await().atMost(WAIT).until(() -> records.size() >= 2);
    assertThat(records).extracting(ConnectionRecord::request).containsExactlyInAnyOrder(
        new ConnectionRecord.Request("-", "-", 400), new ConnectionRecord.Request("-", "-", 408));
    assertThat(records).allSatisfy(record -> {
      assertThat(record.end()).isEqualTo(EndState.BAD_REQUEST);
      assertThat(record.backend()).isNull();
      assertThat(record.attempts()).isEmpty();
      assertThat(record.client().hostAddress()).isEqualTo("127.0.0.1");
    });
    assertThat(requests(registry, HprpMetrics.NO_BACKEND, "4xx")).isEqualTo(2);
    assertThat(good.requests()).isZero();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** {@code hprp_http_requests_total} of {@code backend} and {@code status} in {@code meters}; 0 until there. */
  private static double requests(PrometheusMeterRegistry meters, String backend, String code) {
    PrometheusScrape scrape = scrape(meters);
    if (!scrape.names().contains("hprp_http_requests_total")) {
      return 0;
    }
    Metrics.Metric metric = scrape.metric("hprp_http_requests_total",
        Map.of("backend", backend, "code", code));
    return metric == null ? 0 : metric.getCounter().getValue();
  }

  private PrometheusScrape scrape() {
    return scrape(registry);
  }

  private static PrometheusScrape scrape(PrometheusMeterRegistry meters) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      meters.scrape(out, PrometheusScrape.PROTOBUF);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return PrometheusScrape.ofProtobuf(out.toByteArray());
  }
}
