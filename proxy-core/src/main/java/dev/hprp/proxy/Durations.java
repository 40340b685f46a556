package dev.hprp.proxy;

import java.time.Duration;

/**
 * Durations written the way people and the {@code hprp} command write them: {@code 200ms}, {@code 2s}, {@code 5m},
 * {@code 1h}, {@code 7d}. Internal; public only so the options' messages and the launcher agree on one spelling.
 */
public final class Durations {

  private static final long[] UNIT_MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1000L};
  private static final String[] UNIT_SUFFIX = {"d", "h", "m", "s"};

  private Durations() {
  }

  /** Whether {@code duration} lies in {@code [min, max]}; exact for any duration, without overflow. */
  public static boolean within(Duration duration, Duration min, Duration max) {
    return duration.compareTo(min) >= 0 && duration.compareTo(max) <= 0;
  }

  /**
   * The shortest exact spelling in whole days, hours, minutes, seconds or milliseconds (a fraction of a millisecond
   * is dropped); never null. Durations too long for a {@code long} of milliseconds are spelled in seconds.
   */
  public static String format(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds >= Long.MAX_VALUE / 1000 - 1 || seconds <= Long.MIN_VALUE / 1000 + 1) {
      return seconds + "s";
    }
    long millis = duration.toMillis();
    for (int i = 0; i < UNIT_MILLIS.length; i++) {
      if (millis != 0 && millis % UNIT_MILLIS[i] == 0) {
        return millis / UNIT_MILLIS[i] + UNIT_SUFFIX[i];
      }
    }
    return millis + "ms";
  }
}
