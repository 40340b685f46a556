package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.ListenBacklog;
import dev.hprp.proxy.testing.OpenSslClient;
import dev.hprp.proxy.testing.StandardError;
import dev.hprp.proxy.testing.TestCertificates;
import dev.hprp.proxy.testing.TestData;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The edge features in HTTP mode, end to end: per-backend limits and the queue (503 for a request left waiting), the
 * proxy-wide connection limit, TLS termination and origination, the PROXY protocol on both sides, and the client
 * timeout (TCP mode's, harmless here).
 */
@ExtendWith(VertxExtension.class)
@io.vertx.junit5.Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class HttpEdgeIT {

  private static final Duration SETTLE = Duration.ofSeconds(20);

  private final HttpProxies proxies = new HttpProxies();
  /**
   * Every client a test makes, kept reachable until it ends: Vert.x closes a client that becomes unreachable (a
   * Cleaner), its connections with it, which cut an exchange still under way once the garbage collector ran.
   */
  private final List<Object> clients = new ArrayList<>();

  private <T> T keep(T client) {
    clients.add(client);
    return client;
  }

  @AfterEach
  void closeProxies() {
    proxies.closeAll();
  }

  // ------------------------------------------------------------------------------------------- limits and queue

  @Test
  void eightRequestsOverTwoBackendsLimitedToTwoEachWaitInTheQueueAndAreAllServed(Vertx vertx) throws Exception {
    HoldingHttp a = HoldingHttp.start(vertx, "a");
    HoldingHttp b = HoldingHttp.start(vertx, "b");
    ReverseProxy proxy = proxies.start(vertx, List.of(a.backend(), b.backend()),
        new ReverseProxyOptions().setBackendMaxConnections(2), builder -> { });
    NetClient client = keep(vertx.createNetClient());

    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(get(vertx, client, proxy.actualPort(), ""));
    }
    await().atMost(SETTLE).until(() -> a.inFlight() == 2 && b.inFlight() == 2 && proxy.queuedConnections() == 4);
    a.release();
    b.release();

    Future.all(answers).await(20, TimeUnit.SECONDS);
    assertThat(answers).extracting(Future::result).allSatisfy(answer -> assertThat(status(answer)).isEqualTo(200));
    assertThat(answers).extracting(answer -> body(answer.result())).allMatch(s -> s.equals("a") || s.equals("b"));
    assertThat(a.requests() + b.requests()).isEqualTo(8);
    assertThat(a.maxInFlight()).as("most requests at once at a").isEqualTo(2);
    assertThat(b.maxInFlight()).as("most requests at once at b").isEqualTo(2);
    assertThat(proxy.queuedConnections()).isZero();
    Await.noActiveConnections(proxy);
  }

  @Test
  void aRequestLeftWaitingGets503AtTheQueueTimeoutOrAtOnceWhenTheQueueIsFull(Vertx vertx) throws Exception {
    HoldingHttp a = HoldingHttp.start(vertx, "a");
    ReverseProxy proxy = proxies.start(vertx, List.of(a.backend()), new ReverseProxyOptions()
        .setBackendMaxConnections(1).setMaxQueue(1).setQueueTimeout(Duration.ofMillis(300)), builder -> { });
    NetClient client = keep(vertx.createNetClient());

    Future<String> first = get(vertx, client, proxy.actualPort(), "");
    await().atMost(SETTLE).until(() -> a.inFlight() == 1);
    Future<String> queued = get(vertx, client, proxy.actualPort(), "");
    await().atMost(SETTLE).until(() -> proxy.queuedConnections() == 1);
    Future<String> overflow = get(vertx, client, proxy.actualPort(), "");

    String full = overflow.await(20, TimeUnit.SECONDS);
    assertThat(status(full)).as("queue full").isEqualTo(503);
    assertThat(body(full)).startsWith("backend busy: every backend is at its connection limit and the queue is full");
    String timedOut = queued.await(20, TimeUnit.SECONDS);
    assertThat(status(timedOut)).as("queue timeout").isEqualTo(503);
    assertThat(body(timedOut)).startsWith("backend busy: every backend stayed at its connection limit");
    assertThat(first.isComplete()).as("the request with the slot is still served").isFalse();
    a.release();
    assertThat(body(first.await(20, TimeUnit.SECONDS))).isEqualTo("a");
    assertThat(a.requests()).isEqualTo(1);
    assertThat(proxy.backends().get(0).failedConnects()).as("waiting is not the backend's failure").isZero();
    Await.noActiveConnections(proxy);
  }

  @Test
  void atMaxConnectionsAThirdClientWaitsUntilAConnectionCloses(Vertx vertx) throws Exception {
    HoldingHttp a = HoldingHttp.start(vertx, "a");
    ReverseProxy proxy = proxies.start(vertx, List.of(a.backend()),
        new ReverseProxyOptions().setMaxConnections(2).setEventLoops(2), builder -> { });
    int port = proxy.actualPort();
    HttpClient two = keep(vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(2)).build());
    List<Future<String>> first = List.of(httpGet(vertx, two, port), httpGet(vertx, two, port));
    await().atMost(SETTLE).until(() -> a.inFlight() == 2);
    a.release();
    Future.all(first).await(20, TimeUnit.SECONDS);

    HttpClient third = keep(vertx.httpClientBuilder().build());
    Future<String> waiting = httpGet(vertx, third, port);
    if (ListenBacklog.available()) {
      await("the third in the kernel's accept queue").atMost(SETTLE).until(() -> ListenBacklog.waiting(port) == 1);
    }
    assertThat(waiting.isComplete()).isFalse();
    assertThat(a.requests()).isEqualTo(2);

    two.close().await(20, TimeUnit.SECONDS);
    assertThat(waiting.await(20, TimeUnit.SECONDS)).isEqualTo("200 a");
    third.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void theClientTimeoutIsTcpModesAndLeavesASlowResponseAlone(Vertx vertx) throws Exception {
    HttpBackend slow = HttpBackend.start(vertx, "slow",
        request -> vertx.setTimer(600, t -> request.response().end("late"))).await();
    ReverseProxy proxy = proxies.start(vertx, List.of(slow.backend()),
        new ReverseProxyOptions().setClientTimeout(Duration.ofMillis(100)), builder -> { });
    HttpClient client = keep(vertx.httpClientBuilder().build());
    assertThat(httpGet(vertx, client, proxy.actualPort()).await(20, TimeUnit.SECONDS)).isEqualTo("200 late");
    // Idle past the client timeout, the keep-alive connection still serves the next request.
    assertThat(httpGet(vertx, client, proxy.actualPort()).await(20, TimeUnit.SECONDS)).isEqualTo("200 late");
    assertThat(slow.accepted()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------------------ TLS

  @Test
  void servesHttpsClientsOverTls12And13WithHttp11ByAlpnAndTellsBackendsHttps(Vertx vertx) throws Exception {
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.tls(serverTls()));

    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      try (SSLSocket socket = trustingSocket(proxy.actualPort(), protocol, "h2", "http/1.1")) {
        String answer = exchange(socket, "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
        assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
        assertThat(socket.getApplicationProtocol()).as("ALPN").isEqualTo("http/1.1");
        assertThat(status(answer)).isEqualTo(200);
        assertThat(body(answer)).isEqualTo("a");
      }
    }
    MultiMap head = named.heads().peek();
    assertThat(head.get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(head.get("Forwarded")).isEqualTo("for=127.0.0.1;host=example.com;proto=https");

    String plain = get(vertx, keep(vertx.createNetClient()), proxy.actualPort(), "").await(20, TimeUnit.SECONDS);
    assertThat(plain).as("plain text to the TLS port").doesNotStartWith("HTTP/1.1 200");
    assertThat(named.requests()).isEqualTo(2);
  }

  @Test
  void tls11IsRefused(Vertx vertx) throws Exception {
    // OpenSSL offers what the JDK's own client no longer can: TLS 1.1 (at security level 0).
    Assumptions.assumeTrue(OpenSslClient.available(), "openssl is not installed");
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.tls(serverTls()));
    assertThat(OpenSslClient.sClient(proxy.actualPort(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"))
        .contains("alert protocol version", "no peer certificate available", "Cipher is (NONE)");
    assertThat(OpenSslClient.sClient(proxy.actualPort(), "-tls1_2", "-alpn", "h2,http/1.1"))
        .contains("Protocol  : TLSv1.2", "Verify return code: 0 (ok)", "ALPN protocol: http/1.1");
  }

  @Test
  void aClientCaAdmitsOnlyClientsWithACertificateItSigned(Vertx vertx) throws Exception {
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.tls(serverTls().setClientCa(TestCertificates.path("ca.pem"))));
    int port = proxy.actualPort();

    assertThat(status(answerOrNothing(vertx, keep(TestCertificates.client(vertx, "client")), port))).isEqualTo(200);
    assertThat(answerOrNothing(vertx, keep(TestCertificates.client(vertx, "stranger")), port)).isEmpty();
    assertThat(answerOrNothing(vertx, keep(TestCertificates.client(vertx, null)), port)).isEmpty();
    assertThat(named.requests()).isEqualTo(1);
  }

  @Test
  void aReloadedCertificateReachesNewConnections(Vertx vertx) throws Exception {
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.tls(serverTls()));
    NetClient client = keep(TestCertificates.client(vertx, null));
    HttpClient keptAlive = keep(vertx.httpClientBuilder().with(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(TestCertificates.path("ca.pem").toString()))).build());
    assertThat(httpGet(vertx, keptAlive, proxy.actualPort()).await(20, TimeUnit.SECONDS)).isEqualTo("200 a");
    assertThat(TestCertificates.served(client, proxy.actualPort()))
        .isEqualTo(TestCertificates.certificate("server.pem"));

    proxy.updateTls(new TlsOptions(TestCertificates.path("server-renewed.pem"),
        TestCertificates.path("server-renewed.key"))).await(20, TimeUnit.SECONDS);

    assertThat(TestCertificates.served(client, proxy.actualPort()))
        .isEqualTo(TestCertificates.certificate("server-renewed.pem"));
    assertThat(httpGet(vertx, keptAlive, proxy.actualPort()).await(20, TimeUnit.SECONDS))
        .as("the open connection goes on").isEqualTo("200 a");
  }

  @Test
  void originatesTlsToBackendsOncePerPooledConnectionVerifyingThem(Vertx vertx) throws Exception {
    HttpBackend secure = HttpBackend.start(vertx, "secure", tlsServer(), null).await();
    ReverseProxy proxy = proxies.start(vertx, List.of(secure.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"))));
    HttpClient client = keep(vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(1)).build());
    for (int i = 0; i < 3; i++) {
      assertThat(httpGet(vertx, client, proxy.actualPort()).await(20, TimeUnit.SECONDS)).isEqualTo("200 secure");
    }
    assertThat(secure.accepted()).as("one handshake, the connection pooled").isEqualTo(1);
  }

  @Test
  void aBackendCertificateThatFailsVerificationIsAFailedConnect(Vertx vertx) throws Exception {
    HttpBackend secure = HttpBackend.start(vertx, "secure", tlsServer(), null).await();
    NetClient client = keep(vertx.createNetClient());

    ReverseProxy untrusted = proxies.start(vertx, List.of(secure.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setCa(TestCertificates.path("other-ca.pem"))));
    assertThat(status(get(vertx, client, untrusted.actualPort(), "").await(20, TimeUnit.SECONDS))).isEqualTo(503);
    assertThat(untrusted.backends().get(0).failedConnects()).isPositive();

    ReverseProxy wrongName = proxies.start(vertx, List.of(secure.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"))
            .setServerName("api.example.org")));
    assertThat(status(get(vertx, client, wrongName.actualPort(), "").await(20, TimeUnit.SECONDS))).isEqualTo(503);

    // The name is verified and sent as SNI: this backend answers with the name it was sent.
    HttpBackend sni = HttpBackend.start(vertx, "sni", tlsServer().setSni(true),
        request -> request.response().end(String.valueOf(request.connection().indicatedServerName()))).await();
    ReverseProxy named = proxies.start(vertx, List.of(sni.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"))
            .setServerName("localhost")));
    assertThat(body(get(vertx, client, named.actualPort(), "").await(20, TimeUnit.SECONDS))).isEqualTo("localhost");

    ReverseProxy insecure = proxies.start(vertx, List.of(secure.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setInsecure(true)));
    assertThat(body(get(vertx, client, insecure.actualPort(), "").await(20, TimeUnit.SECONDS))).isEqualTo("secure");
  }

  @Test
  void aFailedBackendHandshakeIsTheRequestsAnswerAndNoErrorInTheLog(Vertx vertx) throws Exception {
    HttpBackend secure = HttpBackend.start(vertx, "secure", tlsServer(), null).await();
    NetClient client = keep(vertx.createNetClient());
    ReverseProxy untrusted = proxies.start(vertx, List.of(secure.backend()), new ReverseProxyOptions(),
        builder -> builder.backendTls(new BackendTlsOptions().setCa(TestCertificates.path("other-ca.pem"))));
    String logged = StandardError.capturedWhile(() -> {
      // Two, one after the other: the first's failure has been handled in full on the proxy once the second is
      // answered.
      for (int i = 0; i < 2; i++) {
        assertThat(status(get(vertx, client, untrusted.actualPort(), "").await(20, TimeUnit.SECONDS))).isEqualTo(503);
      }
    });
    assertThat(untrusted.backends().get(0).failedConnects()).isEqualTo(2);
    assertThat(logged).doesNotContain("SSLHandshakeException");
  }

  @Test
  void aWebSocketGoesThroughTlsOnBothSides(Vertx vertx) throws Exception {
    HttpServer echo = vertx.createHttpServer(tlsServer().setHost("127.0.0.1").setPort(0))
        .webSocketHandler(socket -> socket.textMessageHandler(socket::writeTextMessage));
    echo.listen().await(20, TimeUnit.SECONDS);
    ReverseProxy proxy = proxies.start(vertx, List.of(new Backend("127.0.0.1", echo.actualPort())),
        new ReverseProxyOptions(), builder -> builder.tls(serverTls())
            .backendTls(new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"))));
    Promise<String> echoed = Promise.promise();
    WebSocketClient client = keep(vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(TestCertificates.path("ca.pem").toString()))));
    // Driven from one event loop, handlers set before anything can arrive.
    Clients.onEventLoop(vertx, () -> client
        .connect(new WebSocketConnectOptions().setPort(proxy.actualPort()).setHost("127.0.0.1").setURI("/ws"))
        .map(socket -> {
          socket.textMessageHandler(echoed::tryComplete);
          socket.writeTextMessage("over TLS twice");
          return socket;
        })).await(20, TimeUnit.SECONDS);
    assertThat(echoed.future().await(20, TimeUnit.SECONDS)).isEqualTo("over TLS twice");
  }

  // ------------------------------------------------------------------------------------------- PROXY protocol

  @Test
  void aTrustedPROXYHeaderNamesTheClientToTheForwardedHeaders(Vertx vertx) throws Exception {
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.proxyProtocol(new ProxyProtocolOptions().setAccept(true)));
    NetClient client = keep(vertx.createNetClient());

    for (String fixture : List.of("v1-tcp4.bin", "v2-tcp4.bin")) {
      Buffer header = Buffer.buffer(Files.readAllBytes(TestData.dir().resolve("proxy-protocol").resolve(fixture)));
      String answer = Clients.exchange(vertx, client, proxy.actualPort(), header.appendString(request()))
          .await(20, TimeUnit.SECONDS).toString();
      assertThat(status(answer)).isEqualTo(200);
    }
    assertThat(named.heads()).hasSize(2).allSatisfy(head -> {
      assertThat(head.get("X-Forwarded-For")).isEqualTo("192.0.2.7");
      assertThat(head.get("Forwarded")).startsWith("for=192.0.2.7;");
    });
  }

  @Test
  void theProxiedClientAddressPicksTheBackendByConsistentHashing(Vertx vertx) throws Exception {
    List<HttpBackend> backends = List.of(HttpBackend.named(vertx, "a").await(), HttpBackend.named(vertx, "b").await(),
        HttpBackend.named(vertx, "c").await());
    ReverseProxy proxy = proxies.start(vertx, backends.stream().map(HttpBackend::backend).toList(),
        new ReverseProxyOptions(), builder -> builder.balancer(Balancer.consistentHash())
            .proxyProtocol(new ProxyProtocolOptions().setAccept(true)));
    NetClient client = keep(vertx.createNetClient());

    Set<String> picked = new HashSet<>();
    for (int i = 1; i <= 20; i++) {
      String header = "PROXY TCP4 203.0.113." + i + " 198.51.100.1 40000 80\r\n";
      String once = body(get(vertx, client, proxy.actualPort(), header).await(20, TimeUnit.SECONDS));
      String again = body(get(vertx, client, proxy.actualPort(), header).await(20, TimeUnit.SECONDS));
      assertThat(again).as("203.0.113." + i + " keeps its backend").isEqualTo(once);
      picked.add(once);
    }
    // Every connection comes from 127.0.0.1: without the header they would all go to one backend.
    assertThat(picked).hasSizeGreaterThan(1);
  }

  @Test
  void aHeaderFromAnUntrustedSourceIsNotRead(Vertx vertx) throws Exception {
    HttpBackend named = HttpBackend.named(vertx, "a").await();
    ReverseProxy proxy = proxies.start(vertx, List.of(named.backend()), new ReverseProxyOptions(),
        builder -> builder.proxyProtocol(new ProxyProtocolOptions().setAccept(true)
            .setTrustedProxies(List.of("10.0.0.0/8"))));
    String answer = get(vertx, keep(vertx.createNetClient()), proxy.actualPort(),
        "PROXY TCP4 192.0.2.7 198.51.100.1 52000 8080\r\n").await(20, TimeUnit.SECONDS);
    // Read as a request line whose version is not HTTP: 400 and a close (which may reset the connection first, the
    // rest of the request being unread).
    assertThat(answer).as("a PROXY line is not HTTP").satisfiesAnyOf(
        refused -> assertThat(refused).startsWith("HTTP/1.0 400 "), reset -> assertThat(reset).isEmpty());
    assertThat(named.requests()).isZero();
  }

  @Test
  void eachNewPooledConnectionBeginsWithAHeaderNamingTheClientThatOpenedIt(Vertx vertx) throws Exception {
    HttpBackend reading = HttpBackend.start(vertx, "reading", new HttpServerOptions().setUseProxyProtocol(true),
        request -> request.response().end(request.remoteAddress().toString())).await();
    ReverseProxy proxy = proxies.start(vertx, List.of(reading.backend()), new ReverseProxyOptions(),
        builder -> builder.proxyProtocol(new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V1)));
    HttpClient client = keep(vertx.httpClientBuilder().with(new PoolOptions().setHttp1MaxSize(1)).build());

    String first = httpGetWithLocalAddress(vertx, client, proxy.actualPort()).await(20, TimeUnit.SECONDS);
    String second = httpGetWithLocalAddress(vertx, client, proxy.actualPort()).await(20, TimeUnit.SECONDS);
    // "<client's own address> <what the backend was told>": the same, over the one pooled backend connection.
    String[] parts = first.split(" ");
    assertThat(parts[1]).isEqualTo("200");
    assertThat(parts[2]).as("what the backend was told").isEqualTo(parts[0]);
    assertThat(second).isEqualTo(first);
    assertThat(reading.accepted()).isEqualTo(1);
  }

  @Test
  void aProxiedClientGoesOnInOurHeaderBeforeTheTlsHandshake(Vertx vertx) throws Exception {
    HttpBackend reading = HttpBackend.start(vertx, "reading", tlsServer().setUseProxyProtocol(true),
        request -> request.response().end(request.remoteAddress().toString())).await();
    ReverseProxy proxy = proxies.start(vertx, List.of(reading.backend()), new ReverseProxyOptions(),
        builder -> builder.proxyProtocol(new ProxyProtocolOptions().setAccept(true).setSend(ProxyProtocolVersion.V2))
            .backendTls(new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"))));
    Buffer header = Buffer.buffer(Files.readAllBytes(TestData.dir().resolve("proxy-protocol").resolve("v1-tcp4.bin")));
    String answer = Clients.exchange(vertx, keep(vertx.createNetClient()), proxy.actualPort(),
        header.appendString(request())).await(20, TimeUnit.SECONDS).toString();
    assertThat(body(answer)).isEqualTo("192.0.2.7:52000");
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private static TlsOptions serverTls() {
    return new TlsOptions(TestCertificates.path("server.pem"), TestCertificates.path("server.key"));
  }

  /** A backend's TLS: the test server certificate (for localhost and 127.0.0.1, signed by the test CA). */
  private static HttpServerOptions tlsServer() {
    return new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(TestCertificates.path("server.pem").toString())
        .setKeyPath(TestCertificates.path("server.key").toString()));
  }

  private static String request() {
    return "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
  }

  /** One GET on a new connection, after {@code prefix}: the raw response, or what came before the close. */
  private static Future<String> get(Vertx vertx, NetClient client, int port, String prefix) {
    return Clients.exchange(vertx, client, port, Buffer.buffer(prefix + request())).map(Buffer::toString)
        .recover(e -> Future.succeededFuture(""));
  }

  private static String answerOrNothing(Vertx vertx, NetClient client, int port) throws Exception {
    return get(vertx, client, port, "").await(20, TimeUnit.SECONDS);
  }

  /** A GET over {@code client}'s pool: "status body". */
  private static Future<String> httpGet(Vertx vertx, HttpClient client, int port) {
    return Clients.onEventLoop(vertx, () -> client.request(HttpMethod.GET, port, "127.0.0.1", "/")
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() + " " + body)));
  }

  /** A GET over {@code client}'s pool: "client's local address, status, body". */
  private static Future<String> httpGetWithLocalAddress(Vertx vertx, HttpClient client, int port) {
    return Clients.onEventLoop(vertx, () -> client.request(HttpMethod.GET, port, "127.0.0.1", "/")
        .compose(request -> request.send().compose(response -> response.body()
            .map(body -> request.connection().localAddress() + " " + response.statusCode() + " " + body))));
  }

  private static int status(String response) {
    return response.startsWith("HTTP/1.1 ") ? Integer.parseInt(response.substring(9, 12)) : -1;
  }

  private static String body(String response) {
    int end = response.indexOf("\r\n\r\n");
    return end < 0 ? "" : response.substring(end + 4);
  }

  /** A JDK TLS socket trusting the test CA, with only {@code protocol} enabled and {@code alpn} offered. */
  private static SSLSocket trustingSocket(int port, String protocol, String... alpn) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    Certificate ca = TestCertificates.certificate("ca.pem");
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setProtocols(new String[] {protocol});
    parameters.setApplicationProtocols(alpn);
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  /** Writes {@code request} and reads until the server closes. */
  private static String exchange(SSLSocket socket, String request) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
  }

  /**
   * An HTTP backend that holds its requests until {@link #release()}d (and answers later ones after a moment),
   * counting the requests it has at once: what a per-backend limit bounds.
   */
  private static final class HoldingHttp {

    private final String name;
    private final Vertx vertx;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
    private volatile boolean released;
    private HttpBackend backend;

    private HoldingHttp(Vertx vertx, String name) {
      this.vertx = vertx;
      this.name = name;
    }

    static HoldingHttp start(Vertx vertx, String name) {
      HoldingHttp holding = new HoldingHttp(vertx, name);
      holding.backend = HttpBackend.start(vertx, name, holding::handle).await();
      return holding;
    }

    private void handle(HttpServerRequest request) {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Context context = Vertx.currentContext();
      Runnable answer = () -> context.runOnContext(v -> {
        inFlight.decrementAndGet(); // before the answer goes: the proxy may send the next request once it has it
        request.response().end(name);
      });
      if (released) {
        vertx.setTimer(20, t -> answer.run());
      } else {
        held.add(answer);
        if (released) {
          drain(); // released while this one was being held
        }
      }
    }

    void release() {
      released = true;
      drain();
    }

    private void drain() {
      Runnable answer;
      while ((answer = held.poll()) != null) {
        answer.run();
      }
    }

    Backend backend() {
      return backend.backend();
    }

    int inFlight() {
      return inFlight.get();
    }

    int maxInFlight() {
      return maxInFlight.get();
    }

    int requests() {
      return backend.requests();
    }
  }
}
