package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.OpenSslClient;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.TestCertificates;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS termination and origination with the test-only certificates of test-data/tls: who is served and who is
 * refused, 64 MiB byte-exact through both, a certificate reload, and a half-close that is a close_notify.
 */
@ExtendWith(VertxExtension.class)
class TlsIT {

  private static final long SIXTY_FOUR_MIB = 64L * 1024 * 1024;

  private final List<ReverseProxy> proxies = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void closeProxies() {
    proxies.forEach(proxy -> proxy.close().await());
  }

  private static Path tls(String name) {
    return TestCertificates.path(name);
  }

  private static TlsOptions serverTls() {
    return new TlsOptions(tls("server.pem"), tls("server.key"));
  }

  private ReverseProxy start(Vertx vertx, Backend backend, TlsOptions tls, BackendTlsOptions backendTls) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx).backends(List.of(backend))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0));
    if (tls != null) {
      builder.tls(tls);
    }
    if (backendTls != null) {
      builder.backendTls(backendTls);
    }
    ReverseProxy proxy = builder.build();
    proxy.start().await();
    proxies.add(proxy);
    return proxy;
  }

  private static NetClient tlsClient(Vertx vertx, String keyCert) {
    return TestCertificates.client(vertx, keyCert);
  }

  /** The exchange's answer, or empty when the connection failed or closed without one. */
  private static Buffer answerOrNothing(Vertx vertx, NetClient client, int port) throws Exception {
    return Clients.exchange(vertx, client, port, Buffer.buffer("hello"))
        .recover(e -> Future.succeededFuture(Buffer.buffer())).await(20, TimeUnit.SECONDS);
  }

  @Test
  void aClientTrustingTheTestCaIsServedAndOneWithoutIsRefused(Vertx vertx) throws Exception {
    TestBackend named = TestBackend.named(vertx, "plain backend").await();
    ReverseProxy proxy = start(vertx, named.backend(), serverTls(), null);

    assertThat(answerOrNothing(vertx, tlsClient(vertx, null), proxy.actualPort())).hasToString("plain backend");
    NetClient untrusting = vertx.createNetClient(new NetClientOptions().setSsl(true));
    assertThat(answerOrNothing(vertx, untrusting, proxy.actualPort()).length()).isZero();
    NetClient plain = vertx.createNetClient();
    assertThat(answerOrNothing(vertx, plain, proxy.actualPort()).length()).as("plain text to a TLS port").isZero();
    assertThat(named.accepted()).as("a backend is picked after the handshake only").isEqualTo(1);
  }

  @Test
  void tls11IsRefusedAndTls12Served(Vertx vertx) throws Exception {
    // OpenSSL offers what the JDK's own client no longer can: TLS 1.1 (at security level 0).
    Assumptions.assumeTrue(OpenSslClient.available(), "openssl is not installed");
    TestBackend named = TestBackend.named(vertx, "ok").await();
    ReverseProxy proxy = start(vertx, named.backend(), serverTls(), null);

    String tls11 = OpenSslClient.sClient(proxy.actualPort(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
    String tls12 = OpenSslClient.sClient(proxy.actualPort(), "-tls1_2");

    // The proxy answers a TLS 1.1 hello with a protocol_version alert (70) and no certificate.
    assertThat(tls11).contains("alert protocol version", "no peer certificate available", "Cipher is (NONE)");
    assertThat(tls12).contains("Protocol  : TLSv1.2", "Verify return code: 0 (ok)")
        .doesNotContain("Cipher is (NONE)");
  }

  @Test
  void whenClientCertificatesAreRequiredOnlyOneSignedByTheClientCaIsServed(Vertx vertx) throws Exception {
    TestBackend named = TestBackend.named(vertx, "ok").await();
    ReverseProxy proxy = start(vertx, named.backend(), serverTls().setClientCa(tls("ca.pem")), null);

    assertThat(answerOrNothing(vertx, tlsClient(vertx, "client"), proxy.actualPort())).hasToString("ok");
    assertThat(answerOrNothing(vertx, tlsClient(vertx, "stranger"), proxy.actualPort()).length()).isZero();
    assertThat(answerOrNothing(vertx, tlsClient(vertx, null), proxy.actualPort()).length()).isZero();
    assertThat(named.accepted()).isEqualTo(1);
  }

  @Test
  void sixtyFourMibEachWayByteExactThroughTerminationAndBackendTls(Vertx vertx) throws Exception {
    NetServer echo = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls("server.pem").toString())
                .setKeyPath(tls("server.key").toString())))
        .connectHandler(socket -> socket.pipeTo(socket));
    echo.listen().await();
    ReverseProxy proxy = start(vertx, new Backend("127.0.0.1", echo.actualPort()), serverTls(),
        new BackendTlsOptions().setCa(tls("ca.pem")));
    String expected = TestData.properties("payloads.properties").getProperty("seed42.64MiB.sha256");

    NetClient client = tlsClient(vertx, null);
    List<String> digests = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")
        .compose(socket -> {
          Future<String> received = Payloads.receive(socket, SIXTY_FOUR_MIB);
          Future<String> sent = Payloads.send(socket, SIXTY_FOUR_MIB, 42);
          return Future.all(sent, received).eventually(socket::close)
              .map(all -> List.of(sent.result(), received.result()));
        })).await(120, TimeUnit.SECONDS);

    assertThat(digests).containsExactly(expected, expected);
  }

  @Test
  void aPooledConnectionToATlsBackendHandshakesWhenHandedOut(Vertx vertx) throws Exception {
    // Plain TCP first, TLS on the connection once accepted: the backend counts connections before any handshake.
    List<NetSocket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    NetServer echo = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls("server.pem").toString())
                .setKeyPath(tls("server.key").toString())))
        .connectHandler(socket -> {
          accepted.add(socket);
          // Answers the first bytes with themselves, then closes.
          socket.handler(data -> socket.end(data));
          socket.upgradeToSsl();
        });
    echo.listen().await();
    ReverseProxy proxy = ReverseProxy.builder(vertx).backends(List.of(new Backend("127.0.0.1", echo.actualPort())))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1).setPoolSize(2))
        .backendTls(new BackendTlsOptions().setCa(tls("ca.pem")))
        .build();
    proxy.start().await();
    proxies.add(proxy);
    await().atMost(Duration.ofSeconds(10)).until(() -> accepted.size() == 2);

    // Served by a connection the pool opened before it came: its TLS handshake is done on hand-out.
    NetClient client = vertx.createNetClient();
    assertThat(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hello"))
        .await(20, TimeUnit.SECONDS).toString()).isEqualTo("hello");
    assertThat(accepted).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void theHttpHealthCheckSpeaksTlsToTlsBackendsAndVerifiesThem(Vertx vertx) throws Exception {
    HttpServer backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls("server.pem").toString())
                .setKeyPath(tls("server.key").toString())))
        .requestHandler(request -> request.response().setStatusCode(request.path().equals("/health") ? 200 : 404)
            .end());
    backend.listen().await();
    HealthCheckOptions quick = new HealthCheckOptions().setInterval(Duration.ofMillis(100)).setRise(1).setFall(1);
    ReverseProxy verified = ReverseProxy.builder(vertx).backends(List.of(new Backend("127.0.0.1", backend.actualPort())))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .healthCheck(HealthCheck.httpGet("/health"), quick)
        .backendTls(new BackendTlsOptions().setCa(tls("ca.pem")))
        .build();
    proxies.add(verified);
    verified.start().await();
    // A plain GET to a TLS port would fail: UP only when the check spoke TLS.
    assertThat(verified.backends()).extracting(BackendStatus::health).containsExactly(BackendHealth.UP);

    // And verified the certificate as the proxy does: a name it does not carry fails the check.
    ReverseProxy misnamed = ReverseProxy.builder(vertx).backends(List.of(new Backend("127.0.0.1", backend.actualPort())))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .healthCheck(HealthCheck.httpGet("/health"), quick)
        .backendTls(new BackendTlsOptions().setCa(tls("ca.pem")).setServerName("not-in-the-certificate.test"))
        .build();
    proxies.add(misnamed);
    misnamed.start().await();
    assertThat(misnamed.backends()).extracting(BackendStatus::health).containsExactly(BackendHealth.DOWN);
  }

  @Test
  void theHttpHealthCheckTakesAnyCertificateWhenInsecure(Vertx vertx) throws Exception {
    HttpServer backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls("server.pem").toString())
                .setKeyPath(tls("server.key").toString())))
        .requestHandler(request -> request.response().setStatusCode(200).end());
    backend.listen().await();
    // Neither the JVM's authorities nor the name: only an unverified handshake gets through.
    ReverseProxy insecure = ReverseProxy.builder(vertx)
        .backends(List.of(new Backend("127.0.0.1", backend.actualPort())))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofHours(1)))
        .backendTls(new BackendTlsOptions().setInsecure(true).setServerName("not-in-the-certificate.test"))
        .build();
    proxies.add(insecure);
    insecure.start().await();
    assertThat(insecure.backends()).extracting(BackendStatus::health).containsExactly(BackendHealth.UP);
  }

  @Test
  void aBackendWhoseCertificateDoesNotNameItIsAFailedConnectUnlessInsecure(Vertx vertx) throws Exception {
    NetServer backend = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls("server.pem").toString())
                .setKeyPath(tls("server.key").toString())))
        .connectHandler(socket -> socket.handler(data -> socket.end(Buffer.buffer("tls backend"))));
    backend.listen().await();
    Backend address = new Backend("127.0.0.1", backend.actualPort());
    ReverseProxy misnamed = start(vertx, address, null,
        new BackendTlsOptions().setCa(tls("ca.pem")).setServerName("other.example"));
    ReverseProxy named = start(vertx, address, null,
        new BackendTlsOptions().setCa(tls("ca.pem")).setServerName("localhost"));
    ReverseProxy insecure = start(vertx, address, null, new BackendTlsOptions().setInsecure(true));
    NetClient plain = vertx.createNetClient();

    assertThat(answerOrNothing(vertx, plain, misnamed.actualPort()).length()).isZero();
    assertThat(misnamed.backends().get(0).failedConnects()).isEqualTo(1);
    assertThat(answerOrNothing(vertx, plain, named.actualPort())).hasToString("tls backend");
    assertThat(answerOrNothing(vertx, plain, insecure.actualPort())).hasToString("tls backend");
  }

  @Test
  void aReloadedCertificateIsServedToNewConnections(Vertx vertx) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(tls("server.pem"), cert);
    Files.copy(tls("server.key"), key);
    TestBackend named = TestBackend.named(vertx, "ok").await();
    ReverseProxy proxy = start(vertx, named.backend(), new TlsOptions(cert, key), null);
    NetClient client = tlsClient(vertx, null);

    assertThat(TestCertificates.served(client, proxy.actualPort())).isEqualTo(leaf("server.pem"));
    Files.copy(tls("server-renewed.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(tls("server-renewed.key"), key, StandardCopyOption.REPLACE_EXISTING);
    proxy.updateTls(new TlsOptions(cert, key)).await();
    assertThat(TestCertificates.served(client, proxy.actualPort())).isEqualTo(leaf("server-renewed.pem"));

    // A file that is not a certificate is refused, and the one in use stays.
    Files.writeString(cert, "not a certificate");
    assertThat(proxy.updateTls(new TlsOptions(cert, key)).failed()).isTrue();
    assertThat(TestCertificates.served(client, proxy.actualPort())).isEqualTo(leaf("server-renewed.pem"));
  }

  private static X509Certificate leaf(String name) {
    return TestCertificates.certificate(name);
  }

  @Test
  void aBackendsHalfCloseReachesATlsClientAsCloseNotifyWhileItKeepsSending(Vertx vertx) throws Exception {
    // The backend answers, ends its side (a FIN), and reads on until the client ends: plain sockets, plain threads.
    try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> backendGot = CompletableFuture.supplyAsync(() -> {
        try (Socket socket = backend.accept()) {
          socket.setSoTimeout(20_000);
          InputStream in = socket.getInputStream();
          in.readNBytes(7); // "request"
          socket.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
          socket.shutdownOutput();
          return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (Exception e) {
          return e.toString();
        }
      });
      ReverseProxy proxy = start(vertx, new Backend("127.0.0.1", backend.getLocalPort()), serverTls(), null);

      try (SSLSocket client = (SSLSocket) trustingTestCa().getSocketFactory()
          .createSocket("127.0.0.1", proxy.actualPort())) {
        client.setSoTimeout(20_000);
        client.setEnabledProtocols(new String[] {"TLSv1.3"});
        OutputStream out = client.getOutputStream();
        out.write("request".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // The JDK's TLS socket reads -1 only on a close_notify; a bare FIN would fail the read instead.
        assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("answer");
        out.write("more".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        client.shutdownOutput();
        assertThat(backendGot.get(30, TimeUnit.SECONDS)).isEqualTo("more");
      }
      await().atMost(Duration.ofSeconds(10))
          .until(() -> proxy.backends().get(0).activeConnections() == 0);
    }
  }

  private static SSLContext trustingTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", leaf("ca.pem"));
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
