package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.testing.PrometheusScrape;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin endpoint of the command, in-process: metrics, the backends API under traffic, errors, the token. */
@Timeout(120)
class AdminServerIT {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<TestBackend> backends = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void startBackends() {
    vertx = Vertx.vertx();
    for (int i = 0; i < 3; i++) {
      backends.add(TestBackend.start(vertx, TestBackend.Mode.ECHO).await());
    }
  }

  @AfterEach
  void stopBackends() {
    vertx.close().await();
  }

  /** Runs the command with the first two backends and {@code flags}, handing the running proxy to {@code test}. */
  private void run(Main.Serving test, String... flags) {
    List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--health-check", "none",
        "--event-loops", "2", "--admin-port", "0", "--backends",
        backends.get(0).backend() + "," + backends.get(1).backend()));
    args.addAll(List.of(flags));
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), test,
        args.toArray(String[]::new));
    assertThat(code).as("exit code; stderr: %s", err).isZero();
  }

  @Test
  void metricsCarryEveryNameAndBackendsEqualTheProxysView() {
    run(running -> {
      int admin = running.adminPort();
      for (int i = 0; i < 6; i++) {
        exchange(running.port(), 100 + i);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> running.proxy().backends().stream()
          .allMatch(status -> status.activeConnections() == 0));

      HttpResponse<String> text = get(admin, "/metrics", null);
      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      HttpResponse<byte[]> protobuf = http.send(HttpRequest.newBuilder(uri(admin, "/metrics"))
          .header("Accept", PrometheusScrape.PROTOBUF).build(), HttpResponse.BodyHandlers.ofByteArray());
      PrometheusScrape scrape = PrometheusScrape.ofProtobuf(protobuf.body());
      List<PrometheusScrape.Sample> samples = scrape.sameSamplesAs(text.body());
      assertThat(samples).extracting(PrometheusScrape.Sample::name).contains(
          "hprp_connections_accepted_total", "hprp_connections_active", "hprp_backend_up",
          "hprp_backend_connections_active", "hprp_backend_connections_total", "hprp_backend_connect_failures_total",
          "hprp_backend_bytes_sent_total", "hprp_backend_bytes_received_total", "hprp_backend_ejections_total",
          "hprp_backend_connect_duration_seconds_bucket", "hprp_backend_connect_duration_seconds_count",
          "hprp_backend_connect_duration_seconds_sum", "jvm_memory_used_bytes", "jvm_threads_live_threads",
          "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds", "system_cpu_count");
      assertThat(scrape.value("hprp_connections_accepted_total", null)).isEqualTo(6);
      long bytes = 6 * 100 + 15;
      String a = backends.get(0).backend().id();
      String b = backends.get(1).backend().id();
      assertThat(scrape.value("hprp_backend_bytes_sent_total", a) + scrape.value("hprp_backend_bytes_sent_total", b))
          .isEqualTo(bytes);
      assertThat(scrape.value("hprp_backend_connections_total", a)).isEqualTo(3);

      JsonArray listed = new JsonArray(get(admin, "/backends", null).body());
      List<BackendStatus> statuses = running.proxy().backends();
      assertThat(listed).hasSize(statuses.size());
      for (int i = 0; i < statuses.size(); i++) {
        BackendStatus status = statuses.get(i);
        JsonObject json = listed.getJsonObject(i);
        assertThat(json.getString("id")).isEqualTo(status.id());
        assertThat(json.getString("host")).isEqualTo(status.backend().host());
        assertThat(json.getInteger("port")).isEqualTo(status.backend().port());
        assertThat(json.getInteger("weight")).isEqualTo(status.backend().weight());
        assertThat(json.getString("health")).isEqualTo(status.health().name());
        assertThat(json.getString("adminState")).isEqualTo(status.adminState().name());
        assertThat(json.getBoolean("eligible")).isEqualTo(status.eligible());
        assertThat(json.getInteger("activeConnections")).isEqualTo(status.activeConnections());
        assertThat(json.getLong("totalConnections")).isEqualTo(status.totalConnections());
        assertThat(json.getLong("failedConnects")).isEqualTo(status.failedConnects());
        assertThat(json.getLong("bytesToBackend")).isEqualTo(status.bytesToBackend());
        assertThat(json.getLong("bytesFromBackend")).isEqualTo(status.bytesFromBackend());
      }
      assertThat(get(admin, "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(get(admin, "/readyz", null).statusCode()).isEqualTo(200);
      return 0;
    });
  }

  @Test
  void addDrainReweightAndRemoveUnderTrafficRefuseNothing() {
    run(running -> {
      int admin = running.adminPort();
      String a = backends.get(0).backend().id();
      String b = backends.get(1).backend().id();
      String c = backends.get(2).backend().id();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger served = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread load = new Thread(() -> {
        for (int i = 0; i < 100_000 && !stop.get(); i++) {
          try {
            exchange(running.port(), 64);
            served.incrementAndGet();
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
            return;
          }
        }
      }, "admin-it-load");
      load.start();
      try {
        awaitServed(served, 20);
        assertThat(send(admin, "POST", "/backends", "{\"address\":\"" + c + "\",\"weight\":2}", null).statusCode())
            .isEqualTo(201);
        assertThat(send(admin, "PUT", "/backends/" + a, "{\"weight\":3}", null).statusCode()).isEqualTo(200);
        awaitServed(served, served.get() + 20);
        assertThat(send(admin, "PUT", "/backends/" + b, "{\"state\":\"drain\"}", null).statusCode())
            .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(running, b).activeConnections() == 0);
        long drainedTotal = status(running, b).totalConnections();
        awaitServed(served, served.get() + 30);
        assertThat(status(running, b).totalConnections()).as("a drained backend gets no new connection")
            .isEqualTo(drainedTotal);
        assertThat(send(admin, "DELETE", "/backends/" + c + "?drain=5s", null, null).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> running.proxy().backends().stream()
            .noneMatch(status -> status.id().equals(c)));
        assertThat(send(admin, "PUT", "/backends/" + b, "{\"state\":\"enable\"}", null).statusCode())
            .isEqualTo(200);
        awaitServed(served, served.get() + 20);
      } finally {
        stop.set(true);
        load.join(30_000);
      }
      assertThat(failure.get()).as("every client served").isNull();
      assertThat(status(running, a).backend().weight()).isEqualTo(3);
      return 0;
    });
  }

  @Test
  void badRequestsAnswer400NamingTheFieldAndUnknownOnes404() {
    run(running -> {
      int admin = running.adminPort();
      String a = backends.get(0).backend().id();
      assertError(send(admin, "POST", "/backends", "{bad", null), 400, "body: not JSON");
      assertError(send(admin, "POST", "/backends", "[1]", null), 400, "body: not a JSON object");
      assertError(send(admin, "POST", "/backends", "{\"weight\":2}", null), 400, "address: missing");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"nohost\"}", null), 400, "address: ");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"127.0.0.1:70000\"}", null), 400, "address: ");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"127.0.0.1:1\",\"weight\":0}", null), 400,
          "weight: 0 (expected: 1-256)");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"127.0.0.1:1\",\"weight\":\"x\"}", null), 400,
          "weight: ");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"127.0.0.1:1\",\"wieght\":2}", null), 400,
          "wieght: unknown field");
      assertError(send(admin, "POST", "/backends", "{\"address\":\"" + a + "\"}", null), 409, "already present");
      assertError(send(admin, "PUT", "/backends/" + a, "{}", null), 400, "body: nothing to change");
      assertError(send(admin, "PUT", "/backends/" + a, "{\"weight\":257}", null), 400, "weight: 257");
      assertError(send(admin, "PUT", "/backends/" + a, "{\"state\":\"off\"}", null), 400, "state: 'off'");
      assertError(send(admin, "DELETE", "/backends/" + a + "?drain=soon", null, null), 400, "drain: ");
      assertError(send(admin, "DELETE", "/backends/" + a + "?drain=8d", null, null), 400, "drain: 8d");
      assertError(send(admin, "PUT", "/backends/127.0.0.1:1", "{\"weight\":2}", null), 404, "no such backend");
      assertError(send(admin, "DELETE", "/backends/127.0.0.1:1", null, null), 404, "no such backend");
      assertError(get(admin, "/backends/127.0.0.1:1", null), 404, "no such backend");
      assertError(get(admin, "/nothing", null), 404, "no such route");
      assertError(send(admin, "DELETE", "/metrics", null, null), 405, "not allowed");
      assertThat(running.proxy().backends()).hasSize(2);
      return 0;
    });
  }

  @Test
  void withATokenEveryChangeNeedsIt() {
    run(running -> {
      int admin = running.adminPort();
      String body = "{\"address\":\"" + backends.get(2).backend().id() + "\"}";
      HttpResponse<String> missing = send(admin, "POST", "/backends", body, null);
      assertError(missing, 401, "bearer token");
      assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"hprp\"");
      assertError(send(admin, "POST", "/backends", body, "Bearer wrong"), 401, "bearer token");
      assertError(send(admin, "DELETE", "/backends/" + backends.get(0).backend().id(), null, "s3cret"), 401,
          "bearer token");
      assertThat(get(admin, "/backends", null).statusCode()).as("reads need no token").isEqualTo(200);
      assertThat(send(admin, "POST", "/backends", body, "Bearer s3cret").statusCode()).isEqualTo(201);
      assertThat(running.proxy().backends()).hasSize(3);
      return 0;
    }, "--admin-token", "s3cret");
  }

  @Test
  void faultsAreInjectedListedAndRemovedOverHttp() {
    run(running -> {
      int admin = running.adminPort();
      String token = "Bearer s3cret";
      assertError(send(admin, "POST", "/faults", "{\"type\":\"refuseFirst\",\"connections\":2}", null), 401,
          "bearer token");

      HttpResponse<String> added = send(admin, "POST", "/faults",
          "{\"type\":\"refuseFirst\",\"connections\":2}", token);
      assertThat(added.statusCode()).isEqualTo(201);
      JsonObject fault = new JsonObject(added.body());
      String id = fault.getString("id");
      assertThat(added.headers().firstValue("Location")).hasValue("/faults/" + id);
      assertThat(fault.getString("fault")).isEqualTo("refuseFirst(2)");

      for (int i = 0; i < 2; i++) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
          socket.setSoTimeout(10_000);
          assertThat(socket.getInputStream().read()).as("refused connection %d closed", i).isEqualTo(-1);
        }
      }
      exchange(running.port(), 10);
      JsonArray listed = new JsonArray(get(admin, "/faults", null).body());
      assertThat(listed).hasSize(1);
      assertThat(listed.getJsonObject(0).getLong("connections")).isEqualTo(2);

      assertThat(send(admin, "DELETE", "/faults/" + id, null, token).statusCode()).isEqualTo(200);
      assertThat(new JsonArray(get(admin, "/faults", null).body())).isEmpty();
      assertError(send(admin, "DELETE", "/faults/" + id, null, token), 404, "no such fault");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"latency\"}", token), 400, "base: missing");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"latency\",\"base\":\"1s\",\"bytes\":1}",
          token), 400, "bytes: unknown field for latency");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"warp\"}", token), 400, "type: 'warp'");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"stall\",\"duration\":\"1s\","
          + "\"direction\":\"sideways\"}", token), 400, "direction: 'sideways'");
      HttpResponse<String> narrowed = send(admin, "POST", "/faults", "{\"type\":\"latency\",\"base\":\"200ms\","
          + "\"direction\":\"to-client\",\"probability\":0.5,\"seed\":42}", token);
      assertThat(new JsonObject(narrowed.body()).getString("fault"))
          .isEqualTo("latency(200ms, jitter 0ms) to-client probability 0.5 seed 42");
      return 0;
    }, "--admin-token", "s3cret");
  }

  @Test
  void httpFaultsAreInjectedOverHttpInHttpModeAndRefusedInTcpMode() {
    String token = "Bearer s3cret";
    run(running -> {
      int admin = running.adminPort();
      assertError(send(admin, "POST", "/faults", "{\"type\":\"httpStatus\",\"status\":503}", token), 400,
          "httpStatus(503) acts on HTTP requests (expected: a proxy in http mode; this one is in tcp mode)");
      assertThat(new JsonArray(get(admin, "/faults", null).body())).isEmpty();
      return 0;
    }, "--admin-token", "s3cret");
    run(running -> {
      int admin = running.adminPort();
      HttpResponse<String> added = send(admin, "POST", "/faults", "{\"type\":\"httpStatus\",\"status\":503}",
          token);
      assertThat(added.statusCode()).isEqualTo(201);
      JsonObject fault = new JsonObject(added.body());
      assertThat(fault.getString("fault")).isEqualTo("httpStatus(503)");

      for (int i = 0; i < 3; i++) {
        HttpResponse<String> answered = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + running.port() + "/item")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answered.statusCode()).isEqualTo(503);
        assertThat(answered.body()).contains(fault.getString("id") + " httpStatus(503)");
      }
      assertThat(new JsonArray(get(admin, "/faults", null).body()).getJsonObject(0).getLong("connections"))
          .isEqualTo(3);
      await().atMost(Duration.ofSeconds(10)).until(() -> get(admin, "/metrics", null).body()
          .lines().filter(line -> line.startsWith("hprp_http_requests_total{") && line.contains("code=\"5xx\""))
          .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum() == 3);
      assertThat(send(admin, "DELETE", "/faults/" + fault.getString("id"), null, token).statusCode())
          .isEqualTo(200);

      HttpResponse<String> seeded = send(admin, "POST", "/faults",
          "{\"type\":\"httpStatus\",\"status\":429,\"probability\":0.5,\"seed\":1}", token);
      assertThat(new JsonObject(seeded.body()).getString("fault")).isEqualTo("httpStatus(429) probability 0.5 seed 1");
      HttpResponse<String> abort = send(admin, "POST", "/faults", "{\"type\":\"abortAfterHeaders\"}", token);
      assertThat(abort.statusCode()).isEqualTo(201);
      assertThat(new JsonObject(abort.body()).getString("fault")).isEqualTo("abortAfterHeaders()");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"httpStatus\",\"status\":700}", token), 400,
          "httpStatus status: 700 (expected: 200-599)");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"httpStatus\"}", token), 400, "status: missing");
      assertError(send(admin, "POST", "/faults", "{\"type\":\"abortAfterHeaders\",\"direction\":\"to-client\"}",
          token), 400, "which acts on requests");
      return 0;
    }, "--admin-token", "s3cret", "--mode", "http");
  }

  private static BackendStatus status(RunningProxy running, String id) {
    return running.proxy().backends().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  private static void awaitServed(AtomicInteger served, int count) {
    await().atMost(Duration.ofSeconds(60)).until(() -> served.get() >= count);
  }

  private static void assertError(HttpResponse<String> response, int status, String message) {
    assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(response.body()).getString("error")).contains(message);
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(int port, String path, String authorization) throws Exception {
    return send(port, "GET", path, null, authorization);
  }

  private HttpResponse<String> send(int port, String method, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(port, path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** One connection through the proxy: {@code size} bytes echoed, then closed. */
  private static void exchange(int port, int size) throws IOException {
    byte[] payload = new byte[size];
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(payload);
      assertThat(socket.getInputStream().readNBytes(size)).hasSize(size);
    }
  }
}
