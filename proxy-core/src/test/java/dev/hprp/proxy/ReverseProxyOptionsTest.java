package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Option classes: their defaults, and one validation rule per test. */
class ReverseProxyOptionsTest {

  @Test
  void defaults() {
    ReverseProxyOptions options = new ReverseProxyOptions();
    assertThat(options.getHost()).isEqualTo("0.0.0.0");
    assertThat(options.getPort()).isEqualTo(8080);
    assertThat(options.getConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.getIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(options.getMaxConnectAttempts()).isEqualTo(3);
    assertThat(options.getEventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(options.getMaxConnections()).isEqualTo(ReverseProxyOptions.DEFAULT_MAX_CONNECTIONS);
    assertThat(options.getBackendMaxConnections()).isZero();
    assertThat(options.getMaxQueue()).isEqualTo(1024);
    assertThat(options.getQueueTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.getClientTimeout()).isEqualTo(Duration.ofSeconds(30));

    HealthCheckOptions health = new HealthCheckOptions();
    assertThat(health.getInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(health.getTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(health.getRise()).isEqualTo(2);
    assertThat(health.getFall()).isEqualTo(3);
    assertThat(health.getJitter()).isEqualTo(0.1);

    PassiveHealthOptions passive = new PassiveHealthOptions();
    assertThat(passive.isEnabled()).isTrue();
    assertThat(passive.getConsecutiveFailures()).isEqualTo(5);
    assertThat(passive.getBaseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(passive.getMaxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
    assertThat(passive.getMaxEjectedPercent()).isEqualTo(50);
  }

  @Test
  void copyConstructorCopiesEverySetting() {
    ReverseProxyOptions options = new ReverseProxyOptions().setHost("127.0.0.1").setPort(0)
        .setConnectTimeout(Duration.ofMillis(200)).setIdleTimeout(Duration.ofSeconds(30)).setMaxConnectAttempts(5)
        .setEventLoops(7).setMaxConnections(10).setBackendMaxConnections(2).setMaxQueue(3)
        .setQueueTimeout(Duration.ofMillis(400)).setClientTimeout(Duration.ZERO);
    assertThat(new ReverseProxyOptions(options)).usingRecursiveComparison().isEqualTo(options);
  }

  @Test
  void poolSizeFollowsTheModeUntilSet() {
    ReverseProxyOptions options = new ReverseProxyOptions();
    assertThat(options.getMode()).isEqualTo(ProxyMode.TCP);
    assertThat(options.getPoolSize()).isZero();
    assertThat(options.setMode(ProxyMode.HTTP).getPoolSize()).isEqualTo(64);
    assertThat(options.setPoolSize(0).getPoolSize()).isZero();
    assertThat(new ReverseProxyOptions(options).getPoolSize()).isZero();
    assertThatThrownBy(() -> options.setPoolSize(10_001)).hasMessage("poolSize: 10001 (expected: 0-10000)");
  }

  @Test
  void httpOptionsHaveTheirDefaultsAndRanges() {
    HttpOptions http = new HttpOptions();
    assertThat(http.getPoolQueue()).isEqualTo(1024);
    assertThat(http.getPoolQueueTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(http.getKeepAliveTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(http.getResponseTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(http.getMaxHeaderSize()).isEqualTo(16 * 1024);
    assertThat(http.getRequestHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(http.isForwardedHeaders()).isTrue();
    assertThat(http.isVia()).isTrue();
    assertThatThrownBy(() -> http.setPoolQueue(0)).hasMessage("poolQueue: 0 (expected: 1-100000)");
    assertThatThrownBy(() -> http.setKeepAliveTimeout(Duration.ofMillis(1500)))
        .hasMessage("keepAliveTimeout: 1500ms (expected: whole seconds, 1s-1d)");
    HttpOptions changed = new HttpOptions().setPoolQueue(3).setVia(false).setMaxHeaderSize(2048);
    assertThat(new HttpOptions(changed)).usingRecursiveComparison().isEqualTo(changed);
  }

  @Test
  void defaultConnectionLimitIsHalfTheDescriptorsLeftAfterTheReserve() {
    assertThat(ReverseProxyOptions.maxConnectionsFor(20_000)).isEqualTo(9_900);
    assertThat(ReverseProxyOptions.maxConnectionsFor(1024)).isEqualTo(412);
    assertThat(ReverseProxyOptions.maxConnectionsFor(100)).as("never 0, which would mean unlimited").isEqualTo(1);
    assertThat(ReverseProxyOptions.maxConnectionsFor(0)).as("unknown: no limit").isZero();
    assertThat(ReverseProxyOptions.maxConnectionsFor(Long.MAX_VALUE)).isEqualTo(10_000_000);
  }

  @Test
  void rejectsLimitsOutOfRange() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setMaxConnections(-1))
        .hasMessage("maxConnections: -1 (expected: 0-10000000)");
    assertThatThrownBy(() -> new ReverseProxyOptions().setBackendMaxConnections(10_000_001))
        .hasMessage("backendMaxConnections: 10000001 (expected: 0-10000000)");
    assertThatThrownBy(() -> new ReverseProxyOptions().setQueueTimeout(Duration.ZERO))
        .hasMessage("queueTimeout: 0ms (expected: 1ms-1h)");
    assertThatThrownBy(() -> new ReverseProxyOptions().setClientTimeout(Duration.ofDays(8)))
        .hasMessage("clientTimeout: 8d (expected: 0ms-7d)");
  }

  @Test
  void rejectsPortAboveRange() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setPort(99999))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port: 99999 (expected: 0-65535)");
  }

  @Test
  void rejectsNegativePort() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setPort(-1)).hasMessage("port: -1 (expected: 0-65535)");
  }

  @Test
  void rejectsBlankHost() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setHost(" ")).hasMessage("host: must not be blank");
  }

  @Test
  void rejectsZeroConnectTimeout() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setConnectTimeout(Duration.ZERO))
        .hasMessage("connectTimeout: 0ms (expected: 1ms-1h)");
  }

  @Test
  void rejectsIdleTimeoutOverSevenDays() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setIdleTimeout(Duration.ofDays(8)))
        .hasMessage("idleTimeout: 8d (expected: 1ms-7d)");
  }

  @Test
  void rejectsZeroConnectAttempts() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setMaxConnectAttempts(0))
        .hasMessage("maxConnectAttempts: 0 (expected: 1-100)");
  }

  @Test
  void rejectsZeroEventLoops() {
    assertThatThrownBy(() -> new ReverseProxyOptions().setEventLoops(0))
        .hasMessage("eventLoops: 0 (expected: 1-1024)");
  }

  @Test
  void rejectsHealthIntervalBelowTenMillis() {
    assertThatThrownBy(() -> new HealthCheckOptions().setInterval(Duration.ofMillis(5)))
        .hasMessage("health interval: 5ms (expected: 10ms-1h)");
  }

  @Test
  void rejectsZeroRise() {
    assertThatThrownBy(() -> new HealthCheckOptions().setRise(0)).hasMessage("rise: 0 (expected: 1-100)");
  }

  @Test
  void rejectsJitterAboveOne() {
    assertThatThrownBy(() -> new HealthCheckOptions().setJitter(1.5)).hasMessage("jitter: 1.5 (expected: 0.0-1.0)");
  }

  @Test
  void rejectsNanJitter() {
    assertThatThrownBy(() -> new HealthCheckOptions().setJitter(Double.NaN))
        .hasMessage("jitter: NaN (expected: 0.0-1.0)");
  }

  @Test
  void rejectsEjectedPercentAboveHundred() {
    assertThatThrownBy(() -> new PassiveHealthOptions().setMaxEjectedPercent(101))
        .hasMessage("maxEjectedPercent: 101 (expected: 0-100)");
  }

  @Test
  void rejectsZeroConsecutiveFailures() {
    assertThatThrownBy(() -> new PassiveHealthOptions().setConsecutiveFailures(0))
        .hasMessage("consecutiveFailures: 0 (expected: 1-1000)");
  }
}
