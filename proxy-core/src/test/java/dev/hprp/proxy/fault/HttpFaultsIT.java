package dev.hprp.proxy.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.impl.ActiveFault;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.HttpProxies;
import dev.hprp.proxy.testing.RawHttp;
import dev.hprp.proxy.testing.StandardError;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP faults in HTTP mode, exactly: which requests they answer or cut, what the client sees, what the backend
 * and its health see, and that TCP mode refuses them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFaultsIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String GET = "GET /item HTTP/1.1\r\nHost: h\r\n\r\n";

  private final HttpProxies proxies = new HttpProxies();
  private final Queue<ConnectionRecord> records = new ConcurrentLinkedQueue<>();

  @AfterEach
  void close() {
    proxies.closeAll();
  }

  /** Passive health at its most sensitive: any failure the faults were wrongly blamed on would eject the backend. */
  private ReverseProxy proxy(Vertx vertx, List<Backend> backends) {
    return proxies.start(vertx, backends, new ReverseProxyOptions(), builder -> builder
        .balancer(Balancer.roundRobin())
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(1).setMaxEjectedPercent(100))
        .onConnection(records::add));
  }

  @Test
  void httpStatusAnswersEveryRequestItselfOnTheKeepAliveConnection(Vertx vertx) {
    HttpBackend backend = HttpBackend.named(vertx, "backend").await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()));
    FaultHandle fault = proxy.addFault(Fault.httpStatus(503, 1.0)).await();

    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      for (int i = 0; i < 5; i++) {
        assertThat(raw.send(GET).readResponse()).startsWith("HTTP/1.1 503")
            .contains(fault.id() + " httpStatus(503)");
      }
      fault.remove().await();
      assertThat(raw.send(GET).readResponse()).startsWith("HTTP/1.1 200").endsWith("backend");
    }

    assertThat(fault.connections()).isEqualTo(5);
    assertThat(backend.requests()).isEqualTo(1);
    BackendStatus status = proxy.backends().get(0);
    assertThat(status.health()).isEqualTo(BackendHealth.UP);
    assertThat(status.failedConnects()).isZero();
    Awaitility.await().atMost(WAIT).until(() -> records.size() >= 6);
    List<ConnectionRecord> answered = records.stream().filter(r -> r.end() == EndState.FAULT).toList();
    assertThat(answered).hasSize(5).allSatisfy(record -> {
      assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/item", 503));
      assertThat(record.backend()).isNull();
      assertThat(record.bytesToBackend()).isZero();
    });
  }

  @Test
  void httpStatusWithASeedAnswersTheSameRequestsOnEveryRun(Vertx vertx) {
    HttpBackend backend = HttpBackend.named(vertx, "backend").await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()));
    int requests = 40;
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      // The fault's i-th meeting draws the i-th number of its seeded sequence.
      expected.add(ActiveFault.uniform(42, i) < 0.3 ? 500 : 200);
    }
    assertThat(expected).contains(200, 500);

    for (int run = 0; run < 2; run++) {
      FaultHandle fault = proxy.addFault(Fault.httpStatus(500, 0.3).withSeed(42)).await();
      List<Integer> statuses = new ArrayList<>();
      try (RawHttp raw = new RawHttp(proxy.actualPort())) {
        for (int i = 0; i < requests; i++) {
          statuses.add(Integer.parseInt(raw.send(GET).readResponse().substring(9, 12)));
        }
      }
      fault.remove().await();
      assertThat(statuses).isEqualTo(expected);
      assertThat(fault.connections()).isEqualTo(expected.stream().filter(s -> s == 500).count());
    }
  }

  @Test
  void httpStatusNarrowedToOneBackendAnswersOnlyForIt(Vertx vertx) {
    HttpBackend faulty = HttpBackend.named(vertx, "faulty").await();
    HttpBackend healthy = HttpBackend.named(vertx, "healthy").await();
    ReverseProxy proxy = proxy(vertx, List.of(faulty.backend(), healthy.backend()));
    FaultHandle fault = proxy.addFault(Fault.httpStatus(429, 1.0).withBackend(faulty.backend().id())).await();

    List<String> answers = new ArrayList<>();
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      for (int i = 0; i < 10; i++) {
        answers.add(raw.send(GET).readResponse());
      }
    }
    long limited = answers.stream().filter(a -> a.startsWith("HTTP/1.1 429")).count();
    assertThat(limited).isEqualTo(5); // round-robin: every other request went to the faulty backend
    assertThat(answers).filteredOn(a -> !a.startsWith("HTTP/1.1 429"))
        .allSatisfy(a -> assertThat(a).startsWith("HTTP/1.1 200").endsWith("healthy"));
    assertThat(faulty.requests()).isZero();
    assertThat(fault.connections()).isEqualTo(limited);
  }

  @Test
  void abortAfterHeadersForwardsTheHeadThenClosesBeforeTheBody(Vertx vertx) throws Exception {
    String body = "x".repeat(100_000);
    HttpBackend backend = HttpBackend.start(vertx, "big", request -> request.response().end(body)).await();
    ReverseProxy proxy = proxy(vertx, List.of(backend.backend()));
    FaultHandle fault = proxy.addFault(Fault.abortAfterHeaders()).await();

    StringBuilder received = new StringBuilder();
    // The backend's response is reset before the head goes out: a reset of the proxy's own, not an error to log.
    String logged = StandardError.capturedWhile(() -> {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(GET.getBytes(StandardCharsets.ISO_8859_1));
        received.append(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
      }
    });
    assertThat(logged).doesNotContain("ERROR");
    assertThat(received.toString()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 100000\r\n")
        .endsWith("\r\n\r\n"); // the head, whole, and not a byte of the body

    assertThat(fault.connections()).isEqualTo(1);
    fault.remove().await();
    try (RawHttp raw = new RawHttp(proxy.actualPort())) {
      assertThat(raw.send(GET).readResponse()).startsWith("HTTP/1.1 200").endsWith(body);
    }
    BackendStatus status = proxy.backends().get(0);
    assertThat(status.health()).isEqualTo(BackendHealth.UP);
    assertThat(status.failedConnects()).isZero();
    Awaitility.await().atMost(WAIT).until(() -> records.size() >= 2);
    assertThat(records).anySatisfy(record -> {
      assertThat(record.end()).isEqualTo(EndState.FAULT);
      assertThat(record.request()).isEqualTo(new ConnectionRecord.Request("GET", "/item", 200));
      assertThat(record.backend()).isEqualTo(backend.backend());
      assertThat(record.bytesFromBackend()).isZero();
    });
  }

  @Test
  void aProxyInTcpModeRefusesHttpFaults(Vertx vertx) {
    ReverseProxy proxy = ReverseProxy.builder(vertx).backend(new Backend("127.0.0.1", 9)).build();
    try {
      for (Fault fault : List.of(Fault.httpStatus(503, 1.0), Fault.abortAfterHeaders())) {
        assertThat(proxy.addFault(fault).failed()).isTrue();
        assertThatThrownBy(() -> proxy.addFault(fault).await()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(fault.effect() + " acts on HTTP requests")
            .hasMessageContaining("expected: a proxy in http mode; this one is in tcp mode");
      }
      assertThat(proxy.faults()).isEmpty();
    } finally {
      proxy.close().await();
    }
  }

  @Test
  void aProxyInHttpModeRefusesDataFaultsAndTakesConnectFaults(Vertx vertx) {
    ReverseProxy proxy = ReverseProxy.builder(vertx).backend(new Backend("127.0.0.1", 9))
        .with(new ReverseProxyOptions().setMode(ProxyMode.HTTP)).build();
    try {
      for (Fault fault : List.of(Fault.latency(Duration.ofMillis(5), Duration.ZERO), Fault.bandwidth(1024),
          Fault.resetAfter(0), Fault.closeAfter(1), Fault.blackHole(), Fault.stall(Duration.ofMillis(5)),
          Fault.slicer(1, Duration.ZERO))) {
        assertThatThrownBy(() -> proxy.addFault(fault).await()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(fault.effect() + " acts on relayed bytes")
            .hasMessageContaining("expected: a proxy in tcp mode, or in http mode an HTTP fault");
      }
      assertThat(proxy.faults()).isEmpty();
      assertThat(proxy.addFault(Fault.refuseFirst(1)).await().fault().effect()).isEqualTo(new Fault.RefuseFirst(1));
      assertThat(proxy.addFault(Fault.connectDelay(Duration.ofMillis(1))).await()).isNotNull();
      assertThat(proxy.faults()).hasSize(2);
    } finally {
      proxy.close().await();
    }
  }
}
