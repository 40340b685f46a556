package dev.hprp.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * The range check every HPRP option setter uses, so that every refusal reads the same way: the setting's name, the
 * value given, and the range expected, as in {@code port: 99999 (expected: 0-65535)} or
 * {@code idleTimeout: 0ms (expected: 1ms-7d)}, durations spelled by {@link Durations#format}. The {@code hprp}
 * command relies on that form to replace the setting's name with its flag's.
 *
 * <p>Public so that the options of {@code dev.hprp.proxy} and of its sub-packages share it, and so that options of
 * your own (say, for a custom {@link dev.hprp.proxy.health.HealthCheck}) can refuse values in the same words.
 * Stateless and thread-safe.
 *
 * <pre>{@code
 * this.port = Ranges.check("port", port, 0, 65535);
 * }</pre>
 */
public final class Ranges {

  private Ranges() {
  }

  /**
   * Returns {@code value} when it lies in {@code [min, max]}.
   *
   * @param name the setting, as the message should name it
   * @throws IllegalArgumentException reading {@code name: value (expected: min-max)} otherwise
   */
  public static int check(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
    }
    return value;
  }

  /**
   * Returns {@code value} when it lies in {@code [min, max]}; NaN never does.
   *
   * @param name the setting, as the message should name it
   * @throws IllegalArgumentException reading {@code name: value (expected: min-max)} otherwise, numbers as
   *     {@link Double#toString(double)} writes them ({@code jitter: 1.5 (expected: 0.0-1.0)})
   */
  public static double check(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
    }
    return value;
  }

  /**
   * Returns {@code value} when it lies in {@code [min, max]}; exact for any duration (no overflow, a fraction of a
   * millisecond counts).
   *
   * @param name the setting, as the message should name it
   * @throws NullPointerException naming the setting when {@code value} is null
   * @throws IllegalArgumentException reading {@code name: value (expected: min-max)} otherwise, each duration spelled
   *     by {@link Durations#format} ({@code idleTimeout: 0ms (expected: 1ms-7d)})
   */
  public static Duration check(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + ": " + Durations.format(value) + " (expected: "
          + Durations.format(min) + "-" + Durations.format(max) + ")");
    }
    return value;
  }
}
