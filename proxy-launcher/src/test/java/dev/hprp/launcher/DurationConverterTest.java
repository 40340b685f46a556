package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

  private final DurationConverter converter = new DurationConverter();

  @ParameterizedTest
  @CsvSource({"200ms, 200", "2s, 2000", "1m, 60000", "1h, 3600000", "7d, 604800000", "1500ms, 1500", "0s, 0"})
  void readsNumberAndUnit(String text, long millis) {
    assertThat(converter.convert(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"200ms", "2s", "1m", "10m", "1h", "7d", "1500ms", "90s", "0ms"})
  void formatsWhatItReads(String text) {
    assertThat(Durations.format(converter.convert(text))).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "s", "-1s", "1.5s", "2x", "1 s", "1S", "PT1S", "1sec", "1234567890s"})
  void refusesAnythingElse(String text) {
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'" + text + "' is not a duration "
            + "(expected: a whole number and a unit ms, s, m, h or d, such as 200ms, 2s or 1m)");
  }
}
