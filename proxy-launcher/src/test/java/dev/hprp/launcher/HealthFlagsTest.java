package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.health.HealthCheckOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    Settings settings = Flags.settings("--health-check", "http:/ready", "--health-interval", "500ms",
        "--health-timeout", "200ms", "--rise", "4", "--fall", "6");
    HealthCheckOptions health = settings.health();

    assertThat(settings.healthCheck().text()).isEqualTo("http:/ready");
    assertThat(settings.healthCheck().check()).isPresent();
    assertThat(health.getInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(health.getTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(health.getRise()).isEqualTo(4);
    assertThat(health.getFall()).isEqualTo(6);
  }

  @Test
  void noneMeansNoProbe() {
    assertThat(Flags.settings("--health-check", "none").healthCheck().check()).isEmpty();
  }

  @Test
  void withoutFlagsATcpCheckOnTheCoreSchedule() {
    Settings settings = Flags.settings();

    assertThat(settings.healthCheck().text()).isEqualTo("tcp");
    assertThat(settings.health()).usingRecursiveComparison().isEqualTo(new HealthCheckOptions());
  }

  @Test
  void helpShowsTheCoreDefaults() {
    assertThat(Flags.help()).contains("Default: tcp.",
        "10ms-1h. Default: " + Durations.format(HealthCheckOptions.DEFAULT_INTERVAL) + ".",
        "Time a probe may take, 10ms-1h. Default: " + Durations.format(HealthCheckOptions.DEFAULT_TIMEOUT) + ".",
        "back up, 1-100. Default: " + HealthCheckOptions.DEFAULT_RISE + ".",
        "down, 1-100. Default: " + HealthCheckOptions.DEFAULT_FALL + ".");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--health-check|udp|'udp' (expected: none, tcp, http or http:/path)",
      "--health-interval|5ms|5ms (expected: 10ms-1h)",
      "--health-timeout|2h|2h (expected: 10ms-1h)",
      "--health-timeout|1.5s|'1.5s' is not a duration",
      "--rise|0|0 (expected: 1-100)",
      "--fall|101|101 (expected: 1-100)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }
}
