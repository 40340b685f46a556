package dev.hprp.proxy.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.fault.Fault;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TestProxy} without JUnit's help, in front of an HTTP service, with the clients a test would use: the JDK's
 * {@link HttpClient}, and a plain socket for a raw stream. (Not named {@code TestProxy...}: Surefire would take a
 * class whose name starts with "Test" for a unit test and run it twice.)
 */
class ClientsThroughTestProxyIT {

  private static final int MIB = 1024 * 1024;

  private static final Vertx vertx = Vertx.vertx();
  private static final AtomicInteger requests = new AtomicInteger();
  private static HttpServer service;
  private final HttpClient client = HttpClient.newHttpClient();
  private TestProxy proxy;

  /** {@code /hello} answers "hello"; {@code /bytes/N} answers N bytes. */
  @BeforeAll
  static void startService() {
    service = vertx.createHttpServer().requestHandler(request -> {
      requests.incrementAndGet();
      if (request.path().startsWith("/bytes/")) {
        request.response().end(Buffer.buffer(new byte[Integer.parseInt(request.path().substring(7))]));
      } else {
        request.response().end("hello");
      }
    }).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stopService() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startProxy() {
    requests.set(0);
    proxy = TestProxy.start(vertx, "127.0.0.1:" + service.actualPort()).await();
  }

  @AfterEach
  void closeProxy() throws Exception {
    proxy.close().await(10, TimeUnit.SECONDS);
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create("http://" + proxy.address() + path)).build();
  }

  @Test
  void httpClientRetriesThroughRefusedConnections() throws Exception {
    InjectedFault refuse = proxy.fault(Fault.refuseFirst(2));

    int attempts = 0;
    HttpResponse<String> response = null;
    while (response == null && attempts < 5) {
      attempts++;
      try {
        response = client.send(get("/hello"), HttpResponse.BodyHandlers.ofString());
      } catch (IOException closedWithoutAnswer) {
        // what a client sees of a refused connection behind a proxy: retry
      }
    }

    assertThat(response.body()).isEqualTo("hello");
    // The JDK client itself retries a GET once when its connection closes before any answer: 2 refusals cost the
    // loop 1 or 2 failed sends.
    assertThat(attempts).isBetween(2, 3);
    assertThat(refuse.connections()).isEqualTo(2);
    assertThat(requests).as("the refused ones never reached the service").hasValue(1);
  }

  @Test
  void httpClientSeesTheLatency() throws Exception {
    proxy.fault(Fault.latency(Duration.ofMillis(200), Duration.ZERO));

    long start = System.nanoTime();
    HttpResponse<String> response = client.send(get("/hello"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("hello");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("request and answer, 200 ms each")
        .isGreaterThanOrEqualTo(400);
  }

  @Test
  void downloadRunsAtTheBandwidth() throws Exception {
    proxy.fault(Fault.bandwidth(MIB));

    HttpResponse<InputStream> response = client.send(get("/bytes/" + 2 * MIB),
        HttpResponse.BodyHandlers.ofInputStream());
    byte[] buffer = new byte[64 * 1024];
    InputStream body = response.body();
    long first = body.read(buffer);
    long startNanos = System.nanoTime();
    long total = first;
    for (int n; (n = body.read(buffer)) >= 0; ) {
      total += n;
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;

    assertThat(total).isEqualTo(2 * MIB);
    // Measured after the first burst (64 KiB go at once), so the connect and the request do not count.
    double mibPerSecond = (total - first) / seconds / MIB;
    assertThat(mibPerSecond).isBetween(0.9, 1.1);
  }

  @Test
  void streamIsCutAfterExactlyTheBytes() throws IOException {
    proxy.fault(Fault.resetAfter(MIB).withDirection(Fault.Direction.TO_CLIENT));

    try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(("GET /bytes/" + 4 * MIB + " HTTP/1.1\r\nHost: test\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      long[] received = {0};

      assertThatThrownBy(() -> {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received[0] += n;
        }
      }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      assertThat(received[0]).as("the answer's head and body, up to the cut").isEqualTo(MIB);
    }
  }

  @Test
  void cutResetsOpenConnectionsAndClosesNewOnesUntilRestored() throws Exception {
    Socket open = new Socket("127.0.0.1", proxy.port());
    open.setSoTimeout(20_000);
    open.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(open.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
    assertThat(proxy.openConnections()).isEqualTo(1);

    proxy.cut();

    assertThatThrownBy(() -> client.send(get("/hello"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> open.getInputStream().readAllBytes()).isInstanceOf(SocketException.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.openConnections() == 0);
    open.close();

    proxy.restore();

    assertThat(client.send(get("/hello"), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("hello");
  }

  @Test
  void clearFaultsMakesTheProxyTransparentAgain() throws Exception {
    proxy.fault(Fault.blackHole());
    proxy.cut();

    proxy.clearFaults();

    assertThat(client.send(get("/hello"), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("hello");
  }

  @Test
  void httpFaultsAreRefusedAndLeaveTheProxyAsItWas() throws Exception {
    assertThatThrownBy(() -> proxy.fault(Fault.httpStatus(503, 1.0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acts on HTTP requests");

    assertThat(client.send(get("/hello"), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("hello");
  }

  @Test
  void aMalformedTargetFailsTheStart() {
    assertThatThrownBy(() -> TestProxy.start(vertx, "no-port").await())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
