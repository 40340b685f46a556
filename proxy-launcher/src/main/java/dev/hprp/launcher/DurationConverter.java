package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration flag as {@link Durations#parse} does ({@code 200ms}, {@code 2s}, {@code 1m}, {@code 1h},
 * {@code 7d}), turning its refusal into picocli's, so that the usage error names the flag.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
