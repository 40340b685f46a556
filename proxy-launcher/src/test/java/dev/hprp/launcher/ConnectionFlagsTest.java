package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    ReverseProxyOptions options = Flags.settings("--connect-timeout", "250ms", "--idle-timeout", "7d",
        "--max-connect-attempts", "1").options();

    assertThat(options.getConnectTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(options.getIdleTimeout()).isEqualTo(Duration.ofDays(7));
    assertThat(options.getMaxConnectAttempts()).isEqualTo(1);
  }

  @Test
  void withoutFlagsEveryOptionIsTheCoreDefault() {
    assertThat(Flags.settings().options()).usingRecursiveComparison().isEqualTo(new ReverseProxyOptions());
  }

  @Test
  void helpShowsTheCoreDefaults() {
    assertThat(Flags.help()).contains(
        "1ms-1h. Default: " + Durations.format(ReverseProxyOptions.DEFAULT_CONNECT_TIMEOUT) + ".",
        "1ms-7d. Default: " + Durations.format(ReverseProxyOptions.DEFAULT_IDLE_TIMEOUT) + ".",
        "1-100. Default: " + ReverseProxyOptions.DEFAULT_MAX_CONNECT_ATTEMPTS + ".");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--connect-timeout|0ms|0ms (expected: 1ms-1h)",
      "--connect-timeout|5|'5' is not a duration (expected: a whole number and a unit",
      "--idle-timeout|8d|8d (expected: 1ms-7d)",
      "--max-connect-attempts|101|101 (expected: 1-100)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }
}
