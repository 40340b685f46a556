package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    Settings settings = Flags.settings("--mode", "http", "--pool-size", "16", "--pool-queue", "10",
        "--pool-queue-timeout", "2s", "--keep-alive-timeout", "30s", "--response-timeout", "5s",
        "--max-header-size", "8192", "--request-header-timeout", "3s", "--forwarded-headers", "off", "--via", "off",
        "--passive-server-errors", "true", "--balancer", "consistent-hash", "--hash-key", "header:X-User");
    assertThat(settings.options().getMode()).isEqualTo(ProxyMode.HTTP);
    assertThat(settings.options().getPoolSize()).isEqualTo(16);
    HttpOptions http = settings.http();
    assertThat(http.getPoolQueue()).isEqualTo(10);
    assertThat(http.getPoolQueueTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(http.getKeepAliveTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(http.getResponseTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(http.getMaxHeaderSize()).isEqualTo(8192);
    assertThat(http.getRequestHeaderTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(http.isForwardedHeaders()).isFalse();
    assertThat(http.isVia()).isFalse();
    assertThat(settings.passive().isCountServerErrors()).isTrue();
    assertThat(settings.balancer().toString()).isEqualTo("consistent-hash");
  }

  @Test
  void poolSizeDefaultsFollowTheMode() {
    assertThat(Flags.settings().options().getPoolSize()).isZero();
    assertThat(Flags.settings("--mode", "http").options().getPoolSize()).isEqualTo(64);
    assertThat(Flags.settings("--mode", "tcp", "--pool-size", "2").options().getPoolSize()).isEqualTo(2);
  }

  @Test
  void withoutFlagsEveryHttpOptionIsTheCoreDefault() {
    assertThat(Flags.settings().http()).usingRecursiveComparison().isEqualTo(new HttpOptions());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--mode|udp|'udp' (expected: tcp or http)",
      "--pool-size|10001|10001 (expected: 0-10000)",
      "--pool-queue|0|0 (expected: 1-100000)",
      "--keep-alive-timeout|1500ms|1500ms (expected: whole seconds, 1s-1d)",
      "--max-header-size|100|100 (expected: 1024-1048576)",
      "--forwarded-headers|maybe|'maybe' (expected: on or off)",
      "--hash-key|header:|'header:' (expected: client-ip, header:NAME or cookie:NAME)",
      "--passive-server-errors|yes|'yes' (expected: true or false)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"--pool-queue|10", "--pool-queue-timeout|2s", "--keep-alive-timeout|30s",
      "--response-timeout|5s", "--max-header-size|8192", "--request-header-timeout|3s", "--forwarded-headers|off",
      "--via|off", "--passive-server-errors|true"})
  void anHttpOnlyFlagInTcpModeExitsWith2InsteadOfDoingNothing(String flag, String value) {
    assertThat(Flags.refusal(flag, value)).isEqualTo(value + " (expected: with --mode http; TCP mode relays bytes "
        + "and reads no HTTP)");
  }

  @Test
  void refusesAHeaderKeyOutsideHttpModeOrConsistentHashing() {
    assertThat(Flags.refusal("--hash-key", "header:X-User")).contains("with --balancer consistent-hash");
    assertThat(Flags.usageError("--backends", "127.0.0.1:1", "--hash-key", "cookie:id", "--balancer",
        "consistent-hash")).contains("'--hash-key'", "need --mode http");
    assertThat(Flags.usageError("--backends", "127.0.0.1:1", "--pool-size", "0", "--mode", "http"))
        .contains("'--pool-size': 0 (expected: 1-10000 with --mode http)");
  }
}
