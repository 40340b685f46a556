package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.AllBalancers;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** HTTP mode end to end: per-request balancing, the pool, header rules, and the statuses the proxy produces. */
@ExtendWith(VertxExtension.class)
class HttpModeIT {

  private final HttpProxies proxies = new HttpProxies();

  @AfterEach
  void closeProxies() {
    proxies.closeAll();
  }

  private ReverseProxy proxy(Vertx vertx, List<HttpBackend> backends, Balancer balancer, ReverseProxyOptions options,
      HttpOptions http) {
    return proxies.start(vertx, backends.stream().map(HttpBackend::backend).toList(), options,
        builder -> builder.balancer(balancer).http(http));
  }

  private ReverseProxy withoutPassiveHealth(Vertx vertx, List<dev.hprp.proxy.Backend> backends) {
    return proxies.start(vertx, backends, new ReverseProxyOptions(),
        builder -> builder.passiveHealth(new PassiveHealthOptions().setEnabled(false)));
  }

  private ReverseProxy proxy(Vertx vertx, List<HttpBackend> backends) {
    return proxy(vertx, backends, Balancer.roundRobin(), new ReverseProxyOptions(), new HttpOptions());
  }

  private static List<HttpBackend> named(Vertx vertx, String... names) {
    List<HttpBackend> backends = new ArrayList<>();
    for (String name : names) {
      backends.add(HttpBackend.named(vertx, name).await());
    }
    return backends;
  }

  private static HttpClient client(Vertx vertx, int connections) {
    return vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(connections)).build();
  }

  /**
   * A GET's status and body. Driven from an event loop: a chain built on the test thread may attach its body handler
   * after the body went by.
   */
  private static Future<String> get(Vertx vertx, HttpClient client, int port, String uri) {
    return Clients.onEventLoop(vertx, () -> client.request(HttpMethod.GET, port, "127.0.0.1", uri)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() + " " + body)));
  }

  @Test
  void balancesEachRequestOverOneClientConnection(Vertx vertx) {
    ReverseProxy proxy = proxy(vertx, named(vertx, "a", "b", "c"));
    HttpClient client = client(vertx, 1);
    List<String> answers = new ArrayList<>();
    Set<HttpConnection> connections = new HashSet<>();
    for (int i = 0; i < 9; i++) {
      answers.add(Clients.onEventLoop(vertx, () -> client.request(HttpMethod.GET, proxy.actualPort(), "127.0.0.1", "/")
          .compose(request -> request.send())
          .compose(response -> {
            connections.add(response.request().connection());
            return response.body();
          })).await().toString());
    }
    assertThat(answers).containsExactly("a", "b", "c", "a", "b", "c", "a", "b", "c");
    assertThat(connections).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("dev.hprp.proxy.testing.AllBalancers#all")
  void everyBalancerServesRequests(Balancer balancer, Vertx vertx) {
    List<HttpBackend> backends = named(vertx, "a", "b", "c");
    ReverseProxy proxy = proxy(vertx, backends, balancer, new ReverseProxyOptions(), new HttpOptions());
    HttpClient client = client(vertx, 4);
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      answers.add(get(vertx, client, proxy.actualPort(), "/"));
    }
    Future.all(answers).await();
    assertThat(answers).allSatisfy(answer -> assertThat(answer.result()).matches("200 [abc]"));
    Await.noActiveConnections(proxy);
  }

  @Test
  void consistentHashOnAHeaderKeepsAKeyOnOneBackend(Vertx vertx) {
    ReverseProxy proxy = proxy(vertx, named(vertx, "a", "b", "c"),
        Balancer.consistentHash(context -> context.header("X-User")), new ReverseProxyOptions(), new HttpOptions());
    HttpClient client = client(vertx, 4);
    Set<String> seen = new HashSet<>();
    Set<String> all = new HashSet<>();
    for (int user = 0; user < 30; user++) {
      Set<String> forUser = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        String key = "user-" + user;
        String answer = Clients.onEventLoop(vertx, () -> client.request(new RequestOptions()
                .setPort(proxy.actualPort()).setHost("127.0.0.1").setURI("/").putHeader("X-User", key))
            .compose(request -> request.send()).compose(HttpClientResponse::body)).await().toString();
        forUser.add(answer);
        all.add(answer);
      }
      assertThat(forUser).hasSize(1);
      seen.addAll(forUser);
    }
    assertThat(all).hasSize(3);
  }

  @Test
  void fiftyClientsShareAPoolOfFourConnectionsPerBackend(Vertx vertx) {
    List<HttpBackend> backends = named(vertx, "a", "b", "c");
    ReverseProxy proxy = proxy(vertx, backends, Balancer.roundRobin(),
        new ReverseProxyOptions().setPoolSize(4), new HttpOptions());
    HttpClient client = client(vertx, 50);
    int requests = 1500;
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      answers.add(get(vertx, client, proxy.actualPort(), "/"));
    }
    Future.all(answers).await();
    assertThat(answers).allSatisfy(answer -> assertThat(answer.result()).matches("200 [abc]"));
    assertThat(backends).allSatisfy(backend -> {
      assertThat(backend.accepted()).isBetween(1, 4);
      assertThat(backend.requests()).isEqualTo(requests / 3);
    });
  }

  @Test
  void backendsClosingIdleConnectionsCauseNoBadGateway(Vertx vertx) {
    List<HttpBackend> backends = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      backends.add(HttpBackend.start(vertx, name, new HttpServerOptions().setIdleTimeout(1), null).await());
    }
    ReverseProxy proxy = proxy(vertx, backends, Balancer.roundRobin(), new ReverseProxyOptions().setPoolSize(4),
        new HttpOptions());
    HttpClient client = client(vertx, 8);
    for (int round = 0; round < 20; round++) {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        answers.add(get(vertx, client, proxy.actualPort(), "/"));
      }
      Future.all(answers).await();
      assertThat(answers).allSatisfy(answer -> assertThat(answer.result()).matches("200 [abc]"));
      // The backends now close every pooled connection: the next round must not get one of them.
      backends.forEach(HttpBackend::closeConnections);
    }
  }

  @Test
  void forwardsHeadersByTheRules(Vertx vertx) {
    List<HttpBackend> backends = named(vertx, "a");
    ReverseProxy proxy = proxy(vertx, backends);
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET /path?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
          + "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\n"
          + "Connection: keep-alive, X-Secret\r\nX-Secret: hidden\r\nKeep-Alive: timeout=5\r\n"
          + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\n"
          + "Via: 1.1 edge\r\nX-Kept: yes\r\n\r\n").readResponse();
      assertThat(response).startsWith("HTTP/1.1 200").endsWith("a").containsIgnoringCase("via: 1.1 hprp");
    }
    MultiMap head = backends.get(0).heads().poll();
    assertThat(head.get("Host")).isEqualTo("example.com:8080");
    assertThat(head.get("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(head.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(head.get("X-Forwarded-Host")).isEqualTo("example.com:8080");
    assertThat(head.get("Forwarded")).isEqualTo("for=203.0.113.9, for=127.0.0.1;host=\"example.com:8080\";proto=http");
    assertThat(head.get("Via")).isEqualTo("1.1 edge, 1.1 hprp");
    assertThat(head.get("X-Kept")).isEqualTo("yes");
    for (String hop : List.of("X-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade")) {
      assertThat(head.contains(hop)).as(hop).isFalse();
    }
    assertThat(head.get("Connection")).isNotEqualToIgnoringCase("keep-alive, X-Secret");
  }

  @Test
  void removesHopByHopHeadersFromResponses(Vertx vertx) {
    HttpBackend backend = HttpBackend.start(vertx, "a", request -> request.response()
        .putHeader("Connection", "X-Private")
        .putHeader("X-Private", "secret")
        .putHeader("Keep-Alive", "timeout=1")
        .putHeader("Proxy-Connection", "keep-alive")
        .putHeader("Upgrade", "h2c")
        .putHeader("X-Public", "yes")
        .end("body")).await();
    ReverseProxy proxy = proxy(vertx, List.of(backend));
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").readResponse().toLowerCase();
      assertThat(response).contains("x-public: yes").endsWith("body")
          .doesNotContain("x-private").doesNotContain("keep-alive: timeout").doesNotContain("proxy-connection")
          .doesNotContain("upgrade");
      // Still keep-alive towards the client: a second request on the same connection is answered.
      assertThat(raw.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void forwardedHeadersCanBeTurnedOff(Vertx vertx) {
    List<HttpBackend> backends = named(vertx, "a");
    ReverseProxy proxy = proxy(vertx, backends, Balancer.roundRobin(), new ReverseProxyOptions(),
        new HttpOptions().setForwardedHeaders(false).setVia(false));
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").readResponse();
      assertThat(response.toLowerCase()).doesNotContain("via:");
    }
    MultiMap head = backends.get(0).heads().poll();
    assertThat(head.names()).doesNotContain("X-Forwarded-For", "x-forwarded-for", "Forwarded", "forwarded", "via",
        "Via");
  }

  @Test
  void servesHttp10ClientsWithAndWithoutKeepAlive(Vertx vertx) {
    ReverseProxy proxy = proxy(vertx, named(vertx, "a", "b"));
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET / HTTP/1.0\r\n\r\n").readResponse();
      assertThat(response).startsWith("HTTP/1.0 200").endsWith("a");
      assertThat(raw.closedByPeer()).isTrue();
    }
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      assertThat(raw.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").readResponse())
          .startsWith("HTTP/1.0 200").endsWith("b");
      assertThat(raw.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").readResponse())
          .startsWith("HTTP/1.0 200").endsWith("a");
    }
  }

  @Test
  void givesAnHttp10ClientAChunkedResponseDelimitedByTheClose(Vertx vertx) {
    HttpBackend chunked = HttpBackend.start(vertx, "chunked", request -> request.response().setChunked(true)
        .write("part one, ").compose(v -> request.response().end("part two"))).await();
    ReverseProxy proxy = proxy(vertx, List.of(chunked));
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET / HTTP/1.0\r\n\r\n").readResponse();
      assertThat(response).startsWith("HTTP/1.0 200").endsWith("part one, part two")
          .doesNotContainIgnoringCase("transfer-encoding");
    }
  }

  @Test
  void answers503WhenNoBackendCanBeConnected(Vertx vertx) {
    ReverseProxy proxy = withoutPassiveHealth(vertx, List.of(Ports.refusingBackend(), Ports.refusingBackend()));
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      String response = raw.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").readResponse();
      assertThat(response).startsWith("HTTP/1.1 503").contains("no backend could be connected");
    }
  }

  @Test
  void retriesARefusedConnectOnAnotherBackend(Vertx vertx) {
    HttpBackend good = HttpBackend.named(vertx, "good").await();
    ReverseProxy proxy = withoutPassiveHealth(vertx, List.of(Ports.refusingBackend(), good.backend()));
    HttpClient client = client(vertx, 1);
    for (int i = 0; i < 4; i++) {
      assertThat(Clients.onEventLoop(vertx, () -> client.request(HttpMethod.POST, proxy.actualPort(), "127.0.0.1", "/")
          .compose(request -> request.send("payload")).compose(HttpClientResponse::body)).await().toString())
          .isEqualTo("good");
    }
  }
}
