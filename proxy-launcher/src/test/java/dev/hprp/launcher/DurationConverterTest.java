package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Durations;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

/** The converter reads what {@link Durations#parse} reads, and refuses what it refuses, with its message. */
class DurationConverterTest {

  private final DurationConverter converter = new DurationConverter();

  @ParameterizedTest
  @CsvSource({"200ms, 200", "2s, 2000", "1m, 60000", "1h, 3600000", "7d, 604800000", "1500ms, 1500", "0s, 0"})
  void readsNumberAndUnit(String text, long millis) {
    assertThat(converter.convert(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "s", "-1s", "1.5s", "2x", "1 s", "1S", "PT1S", "1sec",
      "99999999999999999999999999d"})
  void refusesWhatTheCoreRefusesWithItsMessage(String text) {
    String expected = catchMessage(text);
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage(expected)
        .hasMessageStartingWith("'" + text + "' is ");
  }

  private static String catchMessage(String text) {
    try {
      Durations.parse(text);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError(text + " was accepted");
  }
}
