package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  private static final String EXPECTED =
      "(expected: a whole number and a unit ms, s, m, h or d, such as 200ms, 2s or 1m)";

  @ParameterizedTest
  @CsvSource({"200ms, 200", "2s, 2000", "5m, 300000", "1h, 3600000", "7d, 604800000", "1500ms, 1500", "0s, 0",
      "0ms, 0", "90s, 90000", "007s, 7000", "000ms, 0"})
  void readsANumberAndAUnit(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void ignoresWhiteSpaceAround() {
    assertThat(Durations.parse(" 2s\t")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void readsDurationsBeyondNineDigitsUpToTheLongestDuration() {
    assertThat(Durations.parse("1234567890123ms")).isEqualTo(Duration.ofMillis(1_234_567_890_123L));
    assertThat(Durations.parse("99999999999d")).isEqualTo(Duration.ofDays(99_999_999_999L));
    assertThat(Durations.parse(Long.MAX_VALUE + "s")).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(Durations.parse("9223372036854775807999ms")).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE, 999_000_000));
    assertThat(Durations.parse("0".repeat(1000) + "1s")).isEqualTo(Duration.ofSeconds(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"200ms", "2s", "5m", "1h", "7d", "10m", "90s", "1500ms", "0ms", "25h", "61m", "8d",
      "1234567890123ms", "9223372036854775807s", "9223372036854775807999ms"})
  void formatGivesBackTextInShortestForm(String text) {
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource({"1000, 1s", "60000, 1m", "3600000, 1h", "86400000, 1d", "172800000, 2d", "5400000, 90m",
      "1001, 1001ms", "-5000, -5s", "-1, -1ms"})
  void formatsInTheLargestUnitThatDividesExactly(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
  }

  @Test
  void formatDropsAFractionOfAMillisecondTowardsZero() {
    assertThat(Durations.format(Duration.ofNanos(999_999))).isEqualTo("0ms");
    assertThat(Durations.format(Duration.ofNanos(1_500_000))).isEqualTo("1ms");
    assertThat(Durations.format(Duration.ofNanos(-1_500_000))).isEqualTo("-1ms");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).isEqualTo("9223372036854775807999ms");
    assertThat(Durations.format(Duration.ofSeconds(Long.MIN_VALUE))).isEqualTo("-9223372036854775808s");
  }

  static Stream<Duration> extremes() {
    return Stream.of(Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(999), Duration.ofSeconds(1),
        Duration.ofDays(7), Duration.ofDays(7).plusMillis(1), Duration.ofMillis(Long.MAX_VALUE),
        Duration.ofSeconds(Long.MAX_VALUE / 1000 + 1, 5_000_000), Duration.ofSeconds(Long.MAX_VALUE),
        Duration.ofSeconds(Long.MAX_VALUE, 999_000_000));
  }

  @ParameterizedTest
  @MethodSource("extremes")
  void parseReadsBackWhatFormatWroteAtTheExtremes(Duration duration) {
    assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
  }

  @Test
  void parseReadsBackWhatFormatWroteForGeneratedDurations() {
    Random random = new Random(20261201);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      long seconds = switch (i % 3) {
        case 0 -> random.nextInt(100_000);
        case 1 -> random.nextLong(Long.MAX_VALUE);
        default -> random.nextInt(1000) * 86_400L;
      };
      Duration duration = Duration.ofSeconds(seconds, random.nextBoolean() ? 0 : random.nextInt(1000) * 1_000_000L);
      String text = Durations.format(duration);
      if (!Durations.parse(text).equals(duration)) {
        failures.add(duration + " -> " + text + " -> " + Durations.parse(text));
      }
    }
    assertThat(failures).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "5", "s", "ms", "-1s", "+1s", "1.5s", "2x", "1 s", "1S", "1MS", "PT1S", "1sec",
      "1m30s", "5s5ms", "1_000ms", "1,000ms", "\u0661s", "\uff11s", "1h ago", "s1", "0x10s", "1e3ms"})
  void refusesAnythingElseQuotingTheTextAndTheExpectedForm(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is not a duration " + EXPECTED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"9223372036854775808s", "9223372036854775808000ms", "106751991167301d", "2562047788015216h",
      "153722867280912931m", "12345678901234567890123456789012345678901234567890d"})
  void refusesDurationsTooLongForDurationQuotingTheText(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is too long a duration (expected: at most 9223372036854775807999ms)");
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
  }
}
