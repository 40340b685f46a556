package dev.hprp.proxy.impl;

import java.time.Duration;

/** Formats durations the way the launcher reads them: {@code 200ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
final class Durations {

  private Durations() {
  }

  /** The shortest exact form among h, m, s and ms; never null. */
  static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0 && millis > 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
