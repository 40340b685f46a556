package dev.hprp.launcher;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads and writes durations as the command line spells them: a whole number and a unit, {@code 200ms}, {@code 2s},
 * {@code 1m}, {@code 1h}, {@code 7d}. A bare number is refused rather than guessed (HAProxy reads it as
 * milliseconds, other tools as seconds).
 */
final class DurationConverter implements ITypeConverter<Duration> {

  /** Largest first, so that {@link #format} finds the shortest exact spelling. */
  private enum Unit {
    DAYS("d", ChronoUnit.DAYS),
    HOURS("h", ChronoUnit.HOURS),
    MINUTES("m", ChronoUnit.MINUTES),
    SECONDS("s", ChronoUnit.SECONDS),
    MILLIS("ms", ChronoUnit.MILLIS);

    final String suffix;
    final ChronoUnit unit;

    Unit(String suffix, ChronoUnit unit) {
      this.suffix = suffix;
      this.unit = unit;
    }
  }

  private static final Pattern SYNTAX = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  @Override
  public Duration convert(String text) {
    Matcher m = SYNTAX.matcher(text.strip());
    if (!m.matches()) {
      throw new TypeConversionException("'" + text
          + "' is not a duration (expected: a whole number and a unit ms, s, m, h or d, such as 200ms, 2s or 1m)");
    }
    for (Unit u : Unit.values()) {
      if (u.suffix.equals(m.group(2))) {
        return Duration.of(Long.parseLong(m.group(1)), u.unit);
      }
    }
    throw new AssertionError("the pattern admits only known units");
  }
}
