package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    ReverseProxyOptions options = Flags.settings("--max-connections", "10", "--backend-max-connections", "2",
        "--max-queue", "0", "--queue-timeout", "250ms", "--client-timeout", "0ms").options();

    assertThat(options.getMaxConnections()).isEqualTo(10);
    assertThat(options.getBackendMaxConnections()).isEqualTo(2);
    assertThat(options.getMaxQueue()).isZero();
    assertThat(options.getQueueTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(options.getClientTimeout()).isZero();
  }

  @Test
  void helpShowsTheDerivedConnectionLimitAndTheCoreDefaults() {
    assertThat(Flags.help()).contains(
        "Default: " + ReverseProxyOptions.DEFAULT_MAX_CONNECTIONS + " (half the open-file limit",
        "0 (no limit)-10000000. Default: 0.",
        "0-1000000. Default: 1024.",
        "1ms-1h. Default: 5s.",
        "0ms (off)-7d. Default: 30s.");
  }

  @Test
  void ioUringCompletionQueueGrowsWithTheConnectionLimit() {
    assertThat(IoUringSizing.cqSize(100, 2)).isEqualTo(4096);
    assertThat(IoUringSizing.cqSize(9_900, 2)).as("9,900 connections, 2 loops").isEqualTo(32_768);
    assertThat(IoUringSizing.cqSize(1_000_000, 1)).isEqualTo(65_536);
    assertThat(IoUringSizing.cqSize(0, 4)).as("no limit").isEqualTo(65_536);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--max-connections|-1|-1 (expected: 0-10000000)",
      "--backend-max-connections|10000001|10000001 (expected: 0-10000000)",
      "--max-queue|1000001|1000001 (expected: 0-1000000)",
      "--queue-timeout|0ms|0ms (expected: 1ms-1h)",
      "--client-timeout|8d|8d (expected: 0ms-7d)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }

  @Test
  void theClientTimeoutIsRefusedInHttpMode() {
    assertThat(Flags.usageError("--backends", "127.0.0.1:1", "--mode", "http", "--client-timeout", "10s"))
        .contains("'--client-timeout': 10s (expected: with --mode tcp; in HTTP mode --request-header-timeout");
    assertThat(Flags.settings("--backends", "127.0.0.1:1", "--mode", "http").options().getMode())
        .as("without it").isEqualTo(ProxyMode.HTTP);
  }
}
