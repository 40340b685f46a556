package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestCertificates;
import dev.hprp.proxy.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The PROXY protocol end to end: headers read from a trusted front and sent to backends (the fixtures of
 * test-data/proxy-protocol both ways), the real address feeding the balancer, the refusals, and the LOCAL header of
 * health probes (an HTTP probe's before its TLS).
 */
@ExtendWith(VertxExtension.class)
class ProxyProtocolIT {

  private final List<ReverseProxy> proxies = new ArrayList<>();
  /**
   * The tests' clients, held for the test's length: Vert.x closes a client that is no longer referenced when the
   * garbage collector finds it, its connections with it, and a client made inline is unreferenced mid-exchange.
   */
  private final List<NetClient> clients = new ArrayList<>();

  @AfterEach
  void closeProxies() {
    proxies.forEach(proxy -> proxy.close().await());
    clients.clear(); // closed with the test's Vert.x
  }

  private NetClient client(Vertx vertx) {
    NetClient client = vertx.createNetClient();
    clients.add(client);
    return client;
  }

  private static Buffer fixture(String name) throws IOException {
    return Buffer.buffer(Files.readAllBytes(TestData.dir().resolve("proxy-protocol").resolve(name)));
  }

  private ReverseProxy start(Vertx vertx, List<Backend> backends, ProxyProtocolOptions proxyProtocol,
      Balancer balancer) {
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        .balancer(balancer)
        .proxyProtocol(proxyProtocol)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    proxies.add(proxy);
    return proxy;
  }

  /** Sends {@code bytes}, ends its side, and returns what came back until the close. */
  private static Future<Buffer> sendAndEnd(Vertx vertx, NetClient client, int port, Buffer bytes) {
    return Clients.onEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(socket -> {
      Promise<Buffer> received = Promise.promise();
      Buffer all = Buffer.buffer();
      socket.handler(all::appendBuffer);
      socket.closeHandler(v -> received.tryComplete(all));
      socket.end(bytes);
      return received.future();
    }));
  }

  @ParameterizedTest
  @CsvSource({
      "v1-tcp4.bin, V1, v1-tcp4.bin",
      "v1-tcp4.bin, V2, v2-tcp4.bin",
      "v2-tcp4.bin, V1, v1-tcp4.bin",
      "v2-tcp4.bin, V2, v2-tcp4.bin",
      "v1-tcp6.bin, V2, v2-tcp6.bin",
      "v2-tcp6.bin, V1, v1-tcp6.bin"})
  void aHeaderReadFromATrustedFrontIsSentOnToTheBackend(String received, ProxyProtocolVersion send, String sent,
      Vertx vertx) throws Exception {
    RecordingBackend backend = RecordingBackend.start(vertx);
    ReverseProxy proxy = start(vertx, List.of(backend.backend()),
        new ProxyProtocolOptions().setAccept(true).setSend(send), Balancer.roundRobin());

    sendAndEnd(vertx, client(vertx), proxy.actualPort(), fixture(received).appendString("payload"))
        .await(20, TimeUnit.SECONDS);

    assertThat(backend.next()).isEqualTo(fixture(sent).appendString("payload"));
  }

  @ParameterizedTest
  @CsvSource({"v1-unknown.bin", "v2-local.bin"})
  void aLocalOrUnknownHeaderLeavesTheConnectionsOwnAddress(String received, Vertx vertx) throws Exception {
    RecordingBackend backend = RecordingBackend.start(vertx);
    ReverseProxy proxy = start(vertx, List.of(backend.backend()),
        new ProxyProtocolOptions().setAccept(true).setSend(ProxyProtocolVersion.V1), Balancer.roundRobin());

    sendAndEnd(vertx, client(vertx), proxy.actualPort(), fixture(received).appendString("payload"))
        .await(20, TimeUnit.SECONDS);

    assertThat(backend.next().toString(StandardCharsets.US_ASCII))
        .matches("PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ " + proxy.actualPort() + "\r\npayload");
  }

  @Test
  void aProxyThatAcceptsBehindOneThatSendsShowsTheOriginalClientAndPortAtTheBackend(Vertx vertx) throws Exception {
    RecordingBackend backend = RecordingBackend.start(vertx);
    ReverseProxy inner = start(vertx, List.of(backend.backend()),
        new ProxyProtocolOptions().setAccept(true).setSend(ProxyProtocolVersion.V1), Balancer.roundRobin());
    ReverseProxy outer = start(vertx, List.of(new Backend("127.0.0.1", inner.actualPort())),
        new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2), Balancer.roundRobin());

    Promise<Integer> clientPort = Promise.promise();
    Clients.onEventLoop(vertx, () -> client(vertx).connect(outer.actualPort(), "127.0.0.1")
        .onSuccess(socket -> {
          clientPort.complete(socket.localAddress().port());
          socket.end(Buffer.buffer("hello"));
        })).await(20, TimeUnit.SECONDS);

    assertThat(backend.next().toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 "
        + clientPort.future().await(20, TimeUnit.SECONDS) + " " + outer.actualPort() + "\r\nhello");
  }

  @ParameterizedTest
  @CsvSource({"v1-malformed.bin", "v2-malformed.bin"})
  void aMalformedHeaderFromATrustedSourceClosesTheConnection(String fixture, Vertx vertx) throws Exception {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    ReverseProxy proxy = start(vertx, List.of(echo.backend()), new ProxyProtocolOptions().setAccept(true),
        Balancer.roundRobin());

    Buffer answer = Clients.exchange(vertx, client(vertx), proxy.actualPort(),
        fixture(fixture).appendString("payload")).recover(e -> Future.succeededFuture(Buffer.buffer()))
        .await(20, TimeUnit.SECONDS);

    assertThat(answer.length()).isZero();
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void aTrustedSourceThatSendsNoHeaderIsClosedAfterThreeSeconds(Vertx vertx) throws Exception {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    ReverseProxy proxy = start(vertx, List.of(echo.backend()), new ProxyProtocolOptions().setAccept(true),
        Balancer.roundRobin());

    long start = System.nanoTime();
    Buffer answer = Clients.exchange(vertx, client(vertx), proxy.actualPort(), Buffer.buffer("PROXY "))
        .await(20, TimeUnit.SECONDS);

    assertThat(answer.length()).isZero();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(ProxyProtocolOptions.HEADER_TIMEOUT.toNanos());
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void anUntrustedSourcesHeaderIsNotHonouredButRelayedAsData(Vertx vertx) throws Exception {
    RecordingBackend backend = RecordingBackend.start(vertx);
    ReverseProxy proxy = start(vertx, List.of(backend.backend()), new ProxyProtocolOptions().setAccept(true)
        .setTrustedProxies(List.of("10.0.0.0/8")).setSend(ProxyProtocolVersion.V1), Balancer.roundRobin());

    sendAndEnd(vertx, client(vertx), proxy.actualPort(), fixture("v1-tcp4.bin").appendString("payload"))
        .await(20, TimeUnit.SECONDS);

    assertThat(backend.next().toString(StandardCharsets.US_ASCII))
        .matches("PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ " + proxy.actualPort()
            + "\r\nPROXY TCP4 192\\.0\\.2\\.7 198\\.51\\.100\\.1 52000 8080\r\npayload");
  }

  @Test
  void consistentHashingKeysOnTheAddressTheHeaderGives(Vertx vertx) throws Exception {
    TestBackend a = TestBackend.named(vertx, "a").await();
    TestBackend b = TestBackend.named(vertx, "b").await();
    ReverseProxy proxy = start(vertx, List.of(a.backend(), b.backend()), new ProxyProtocolOptions().setAccept(true),
        Balancer.consistentHash());
    NetClient client = client(vertx);

    Map<String, String> backendBySource = new HashMap<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 1; i <= 20; i++) {
        String source = "192.0.2." + i;
        Buffer header = Buffer.buffer("PROXY TCP4 " + source + " 198.51.100.1 52000 8080\r\nhi");
        String answer = Clients.exchange(vertx, client, proxy.actualPort(), header).await(20, TimeUnit.SECONDS)
            .toString();
        assertThat(backendBySource.merge(source, answer, (before, now) -> before))
            .as("backend of %s in round %d", source, round).isEqualTo(answer);
      }
    }
    // All 40 came from 127.0.0.1: only the headers' addresses can have spread them.
    assertThat(backendBySource.values()).contains("a", "b");
  }

  @Test
  void healthProbesSendALocalHeaderOnlyWhenAsked(Vertx vertx) throws Exception {
    RecordingBackend backend = RecordingBackend.start(vertx);
    ReverseProxy plain = ReverseProxy.builder(vertx).backends(List.of(backend.backend()))
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions().setInterval(Duration.ofHours(1)))
        .proxyProtocol(new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0)).build();
    proxies.add(plain);
    plain.start().await();
    assertThat(backend.next().length()).as("a probe without --check-send-proxy").isZero();

    ReverseProxy asked = ReverseProxy.builder(vertx).backends(List.of(backend.backend()))
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions().setInterval(Duration.ofHours(1)))
        .proxyProtocol(new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2).setSendToHealthChecks(true))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0)).build();
    proxies.add(asked);
    asked.start().await();
    assertThat(backend.next()).isEqualTo(fixture("v2-local.bin"));
  }

  @ParameterizedTest
  @CsvSource({"V1, v1-unknown.bin", "V2, v2-local.bin"})
  void theHttpCheckBeginsWithALocalHeaderWhenAskedSoABackendRequiringOneIsUp(ProxyProtocolVersion version,
      String local, Vertx vertx) throws Exception {
    HttpServer requiring = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setUseProxyProtocol(true))
        .requestHandler(request -> request.response().setStatusCode(request.path().equals("/health") ? 200 : 404)
            .end());
    requiring.listen().await();
    Backend backend = new Backend("127.0.0.1", requiring.actualPort());

    assertThat(httpCheckedHealth(vertx, backend, new ProxyProtocolOptions().setSend(version), null))
        .as("a probe without --check-send-proxy").isEqualTo(BackendHealth.DOWN);
    assertThat(httpCheckedHealth(vertx, backend,
        new ProxyProtocolOptions().setSend(version).setSendToHealthChecks(true), null)).isEqualTo(BackendHealth.UP);

    // The backend's first bytes are the header, then the request.
    FirstBytesBackend recording = FirstBytesBackend.start(vertx, FirstBytesBackend::hasRequestHead,
        Buffer.buffer("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
    assertThat(httpCheckedHealth(vertx, recording.backend(),
        new ProxyProtocolOptions().setSend(version).setSendToHealthChecks(true), null)).isEqualTo(BackendHealth.UP);
    Buffer expected = fixture(local).appendString("GET /health HTTP/1.1\r\n");
    assertThat(recording.next().getBuffer(0, expected.length())).isEqualTo(expected);
  }

  @Test
  void theHttpChecksLocalHeaderComesBeforeItsTlsHandshake(Vertx vertx) throws Exception {
    HttpServer requiring = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setUseProxyProtocol(true).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(TestCertificates.path("server.pem").toString())
                .setKeyPath(TestCertificates.path("server.key").toString())))
        .requestHandler(request -> request.response().setStatusCode(request.path().equals("/health") ? 200 : 404)
            .end());
    requiring.listen().await();
    Backend backend = new Backend("127.0.0.1", requiring.actualPort());
    BackendTlsOptions tls = new BackendTlsOptions().setCa(TestCertificates.path("ca.pem"));

    assertThat(httpCheckedHealth(vertx, backend, new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2), tls))
        .as("a probe without --check-send-proxy").isEqualTo(BackendHealth.DOWN);
    assertThat(httpCheckedHealth(vertx, backend,
        new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2).setSendToHealthChecks(true), tls))
        .isEqualTo(BackendHealth.UP);

    // On the wire: the header, then a TLS handshake record (the ClientHello); the recorder hangs up after its type.
    Buffer local = fixture("v2-local.bin");
    FirstBytesBackend recording = FirstBytesBackend.start(vertx, bytes -> bytes.length() > local.length(),
        Buffer.buffer());
    httpCheckedHealth(vertx, recording.backend(),
        new ProxyProtocolOptions().setSend(ProxyProtocolVersion.V2).setSendToHealthChecks(true), tls);
    assertThat(recording.next().getBuffer(0, local.length() + 1)).isEqualTo(local.copy().appendByte((byte) 22));
  }

  /** The health of {@code backend} after the first probe of an HTTP check, which a proxy's start waits for. */
  private BackendHealth httpCheckedHealth(Vertx vertx, Backend backend, ProxyProtocolOptions proxyProtocol,
      BackendTlsOptions backendTls) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx).backends(List.of(backend))
        .healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofHours(1)))
        .proxyProtocol(proxyProtocol)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0));
    if (backendTls != null) {
      builder.backendTls(backendTls);
    }
    ReverseProxy proxy = builder.build();
    proxies.add(proxy);
    proxy.start().await();
    return proxy.backends().get(0).health();
  }

  /**
   * A backend that records the first bytes of each connection: once they are {@code enough}, it writes
   * {@code answer} and closes.
   */
  private static final class FirstBytesBackend {
    private final Queue<Buffer> connections = new ConcurrentLinkedQueue<>();
    private final Predicate<Buffer> enough;
    private final Buffer answer;
    private NetServer server;

    private FirstBytesBackend(Predicate<Buffer> enough, Buffer answer) {
      this.enough = enough;
      this.answer = answer;
    }

    static FirstBytesBackend start(Vertx vertx, Predicate<Buffer> enough, Buffer answer) {
      FirstBytesBackend backend = new FirstBytesBackend(enough, answer);
      backend.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
          .connectHandler(backend::accept);
      backend.server.listen().await();
      return backend;
    }

    /** Whether {@code bytes} hold a whole request head (after a v2 header, which itself has a CRLF CRLF). */
    static boolean hasRequestHead(Buffer bytes) {
      String text = bytes.toString(StandardCharsets.ISO_8859_1);
      int request = text.indexOf("GET ");
      return request >= 0 && text.indexOf("\r\n\r\n", request) >= 0;
    }

    private void accept(NetSocket socket) {
      Buffer all = Buffer.buffer();
      socket.handler(data -> {
        boolean recorded = enough.test(all);
        all.appendBuffer(data);
        if (!recorded && enough.test(all)) {
          connections.add(all.copy());
          socket.write(answer).eventually(socket::close);
        }
      });
    }

    Backend backend() {
      return new Backend("127.0.0.1", server.actualPort());
    }

    /** The first bytes of the next connection that had enough, waiting for it at most 20 s. */
    Buffer next() {
      await().atMost(Duration.ofSeconds(20)).until(() -> !connections.isEmpty());
      return connections.poll();
    }
  }

  /** A backend that records, per connection, every byte until the client's end, then closes. */
  private static final class RecordingBackend {
    private final Queue<Buffer> connections = new ConcurrentLinkedQueue<>();
    private NetServer server;

    static RecordingBackend start(Vertx vertx) {
      RecordingBackend backend = new RecordingBackend();
      backend.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
          .connectHandler(backend::accept);
      backend.server.listen().await();
      return backend;
    }

    private void accept(NetSocket socket) {
      Buffer all = Buffer.buffer();
      socket.handler(all::appendBuffer);
      socket.endHandler(v -> {
        connections.add(all);
        socket.close();
      });
    }

    Backend backend() {
      return new Backend("127.0.0.1", server.actualPort());
    }

    /** The bytes of the next connection that ended, waiting for it at most 20 s. */
    Buffer next() {
      await().atMost(Duration.ofSeconds(20)).until(() -> !connections.isEmpty());
      return connections.poll();
    }
  }
}
