package dev.hprp.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.PrometheusScrape;
import dev.hprp.proxy.testing.TestBackend;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The meters, as Prometheus reads them, equal what the test drove. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class HprpMetricsIT {

  private static final int CONNECTIONS = 10;
  private static final int SENT = 3000;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private ReverseProxy proxy;
  private HprpMetrics metrics;

  @AfterEach
  void close() {
    if (metrics != null) {
      metrics.close();
    }
    if (proxy != null) {
      proxy.close().await();
    }
  }

  @Test
  void countersEqualWhatWasDriven(Vertx vertx) throws IOException {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    Backend refusing = Ports.refusingBackend();
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(refusing, echo.backend()))
        .balancer(Balancer.roundRobin())
        // The refused connect ejects the refusing backend at once: every later client goes to the echo backend.
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(1).setMaxEjectedPercent(100))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    metrics = new HprpMetrics(proxy);
    metrics.bindTo(registry);
    proxy.start().await();

    for (int i = 0; i < CONNECTIONS; i++) {
      echoOnce(SENT + i);
    }
    Await.noActiveConnections(proxy);

    long bytes = (long) CONNECTIONS * SENT + (long) CONNECTIONS * (CONNECTIONS - 1) / 2;
    String a = echo.backend().id();
    String r = refusing.id();
    PrometheusScrape scrape = scrape();
    assertThat(scrape.value("hprp_connections_accepted_total", null)).isEqualTo(CONNECTIONS);
    assertThat(scrape.value("hprp_connections_active", null)).isZero();
    assertThat(scrape.value("hprp_backend_connections_total", a)).isEqualTo(CONNECTIONS);
    assertThat(scrape.value("hprp_backend_connections_total", r)).isZero();
    assertThat(scrape.value("hprp_backend_connections_active", a)).isZero();
    assertThat(scrape.value("hprp_backend_connect_failures_total", r)).isEqualTo(1);
    assertThat(scrape.value("hprp_backend_connect_failures_total", a)).isZero();
    assertThat(scrape.value("hprp_backend_bytes_sent_total", a)).isEqualTo(bytes);
    assertThat(scrape.value("hprp_backend_bytes_received_total", a)).isEqualTo(bytes);
    assertThat(scrape.value("hprp_backend_ejections_total", r)).isEqualTo(1);
    assertThat(scrape.value("hprp_backend_up", a)).isEqualTo(1);
    assertThat(scrape.value("hprp_backend_up", r)).isZero();
    Metrics.Histogram connect = scrape.metric("hprp_backend_connect_duration_seconds", "backend", a).getHistogram();
    assertThat(connect.getSampleCount()).isEqualTo(CONNECTIONS);
    assertThat(connect.getBucketList()).isNotEmpty();
    assertThat(connect.getBucket(connect.getBucketCount() - 1).getCumulativeCount()).isEqualTo(CONNECTIONS);
    assertThat(scrape.family("hprp_backend_connect_duration_seconds").getType())
        .isEqualTo(Metrics.MetricType.HISTOGRAM);

    String text = registry.scrape();
    assertThat(scrape.sameSamplesAs(text)).extracting(PrometheusScrape.Sample::name)
        .contains("hprp_connections_accepted_total", "hprp_backend_connect_duration_seconds_bucket",
            "hprp_backend_connect_duration_seconds_count", "hprp_backend_connect_duration_seconds_sum");
    assertThat(text).contains("# TYPE hprp_backend_connect_duration_seconds histogram\n");
  }

  @Test
  void backendsAddedAndRemovedAtRuntimeGetAndLoseTheirMeters(Vertx vertx) {
    TestBackend first = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    TestBackend second = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    proxy = ReverseProxy.builder(vertx)
        .backend(first.backend())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    metrics = new HprpMetrics(proxy);
    metrics.bindTo(registry);
    String added = second.backend().id();

    proxy.addBackend(second.backend()).await();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> scrape().metric("hprp_backend_up", "backend", added) != null);
    assertThat(scrape().value("hprp_backend_up", added)).isEqualTo(1);

    proxy.removeBackend(added, Duration.ZERO).await();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> scrape().metric("hprp_backend_up", "backend", added) == null);
    assertThat(scrape().metric("hprp_backend_connections_total", "backend", added)).isNull();
    assertThat(scrape().value("hprp_backend_up", first.backend().id())).isEqualTo(1);

    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void bindsOnce(Vertx vertx) {
    proxy = ReverseProxy.builder(vertx).backend(Ports.refusingBackend()).build();
    metrics = new HprpMetrics(proxy);
    metrics.bindTo(registry);

    assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already bound");
  }

  /**
   * Two proxies of one application, in one registry, to the same backend: told apart by their tags, each counts its
   * own connections, and closing one's metrics leaves the other's. A second proxy with the first's tags is refused
   * rather than handed the first's meters.
   */
  @Test
  void twoProxiesInOneRegistryKeepApartByTheirTags(Vertx vertx) throws IOException {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    proxy = ReverseProxy.builder(vertx).backend(echo.backend())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0)).build();
    proxy.start().await();
    ReverseProxy other = ReverseProxy.builder(vertx).backend(echo.backend())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0)).build();
    try {
      metrics = new HprpMetrics(proxy, Tags.of("proxy", "first"));
      metrics.bindTo(registry);
      assertThatThrownBy(() -> new HprpMetrics(other, Tags.of("proxy", "first")).bindTo(registry))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a proxy's meters with the tags");
      assertThatThrownBy(() -> new HprpMetrics(other, Tags.of("backend", "x")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'backend'");
      try (HprpMetrics second = new HprpMetrics(other, Tags.of("proxy", "second"))) {
        second.bindTo(registry);
        other.start().await();

        echoOnce(10);
        echoOnce(10);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> proxy.backends().get(0).totalConnections() == 2
            && proxy.backends().get(0).activeConnections() == 0);
        String id = echo.backend().id();
        assertThat(scrape().metric("hprp_backend_connections_total", Map.of("proxy", "first", "backend", id))
            .getCounter().getValue()).isEqualTo(2);
        assertThat(scrape().metric("hprp_backend_connections_total", Map.of("proxy", "second", "backend", id))
            .getCounter().getValue()).isZero();
      }
      assertThat(scrape().metric("hprp_connections_accepted_total", "proxy", "second")).isNull();
      assertThat(scrape().metric("hprp_connections_accepted_total", "proxy", "first").getCounter().getValue())
          .isEqualTo(2);
    } finally {
      other.close().await();
    }
  }

  private PrometheusScrape scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      registry.scrape(out, PrometheusScrape.PROTOBUF);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return PrometheusScrape.ofProtobuf(out.toByteArray());
  }

  /** One connection: {@code size} bytes sent, the same read back, then closed. */
  private void echoOnce(int size) throws IOException {
    byte[] payload = new byte[size];
    Arrays.fill(payload, (byte) 'x');
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(payload);
      assertThat(socket.getInputStream().readNBytes(size)).isEqualTo(payload);
    }
  }
}
