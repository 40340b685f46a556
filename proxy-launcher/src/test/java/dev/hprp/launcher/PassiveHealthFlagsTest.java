package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.health.PassiveHealthOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PassiveHealthFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    PassiveHealthOptions passive = Flags.settings("--passive-failures", "7", "--ejection-time", "2s",
        "--max-ejection-time", "1m", "--max-ejected-percent", "0", "--uneject-on-check", "false",
        "--early-close-window", "250ms").passive();

    assertThat(passive.getConsecutiveFailures()).isEqualTo(7);
    assertThat(passive.getBaseEjectionTime()).isEqualTo(Duration.ofSeconds(2));
    assertThat(passive.getMaxEjectionTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(passive.getMaxEjectedPercent()).isZero();
    assertThat(passive.isUnejectOnActiveCheck()).isFalse();
    assertThat(passive.getEarlyCloseWindow()).isEqualTo(Duration.ofMillis(250));
    assertThat(passive.isEnabled()).isTrue();
  }

  @Test
  void withoutFlagsEverySettingIsTheCoreDefault() {
    assertThat(Flags.settings().passive()).usingRecursiveComparison().isEqualTo(new PassiveHealthOptions());
  }

  @Test
  void helpShowsTheCoreDefaults() {
    assertThat(Flags.help()).contains(
        "--passive-failures=N Consecutive failed connects that eject a backend (passive health), 1-1000. Default: 5.",
        "--ejection-time=DURATION", "Default: 30s.",
        "--max-ejection-time=DURATION Longest ejection, 10ms-1h, not below --ejection-time. Default: 5m.",
        "--max-ejected-percent=N", "0-100. Default: 50.",
        "--uneject-on-check=true|false", "passes --rise active probes. Default: true.",
        "--early-close-window=DURATION", "0ms (off)-1m. Default: 1s.");
  }

  @ParameterizedTest
  @CsvSource({"true, true", "TRUE, true", "False, false", "' false ', false"})
  void unejectOnCheckTakesTrueOrFalseInAnyCase(String value, boolean expected) {
    assertThat(Flags.settings("--uneject-on-check", value).passive().isUnejectOnActiveCheck()).isEqualTo(expected);
  }

  @Test
  void earlyCloseWindowOfZeroTurnsItOff() {
    assertThat(Flags.settings("--early-close-window", "0ms").passive().getEarlyCloseWindow()).isZero();
  }

  @Test
  void ejectionTimeAboveTheDefaultMaximumIsAcceptedWithAMaximumAsLong() {
    PassiveHealthOptions passive = Flags.settings("--ejection-time", "10m", "--max-ejection-time", "10m").passive();

    assertThat(passive.getBaseEjectionTime()).isEqualTo(passive.getMaxEjectionTime()).isEqualTo(Duration.ofMinutes(10));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--passive-failures|0|0 (expected: 1-1000)",
      "--passive-failures|1001|1001 (expected: 1-1000)",
      "--passive-failures|x|'x' is not an int",
      "--ejection-time|5ms|5ms (expected: 10ms-1h)",
      "--ejection-time|2|'2' is not a duration (expected: a whole number and a unit",
      "--max-ejection-time|2h|2h (expected: 10ms-1h)",
      "--max-ejected-percent|101|101 (expected: 0-100)",
      "--max-ejected-percent|-1|-1 (expected: 0-100)",
      "--uneject-on-check|yes|'yes' (expected: true or false)",
      "--uneject-on-check|''|'' (expected: true or false)",
      "--early-close-window|61s|61s (expected: 0ms-1m)",
      "--early-close-window|-1s|'-1s' is not a duration"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--passive-failures", "--ejection-time", "--uneject-on-check", "--early-close-window"})
  void missingValueExitsWith2NamingTheFlag(String flag) {
    assertThat(Flags.usageError("--backends", "127.0.0.1:1", flag)).contains("'" + flag + "'");
  }

  @Test
  void badValueIsRefusedEvenWithHelp() {
    assertThat(Flags.usageError("--early-close-window", "2m", "--help")).contains("--early-close-window");
  }

  @Test
  void ejectionTimeAboveTheMaximumNamesTheEjectionTimeWhenOnlyItIsGiven() {
    assertThat(Flags.refusal("--ejection-time", "10m")).isEqualTo("10m (expected: at most --max-ejection-time, 5m)");
  }

  @Test
  void maximumBelowTheEjectionTimeNamesTheMaximum() {
    assertThat(Flags.refusal("--max-ejection-time", "10s")).isEqualTo("10s (expected: at least --ejection-time, 30s)");
    assertThat(Flags.usageError("--backends", "127.0.0.1:1", "--ejection-time", "20s", "--max-ejection-time", "10s"))
        .endsWith("'--max-ejection-time': 10s (expected: at least --ejection-time, 20s)");
  }
}
