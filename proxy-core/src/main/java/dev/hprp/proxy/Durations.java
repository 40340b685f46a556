package dev.hprp.proxy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as HPRP reads and writes them: a whole number and a unit, such as {@code 200ms}, {@code 2s}, {@code 5m},
 * {@code 1h} or {@code 7d}. The {@code hprp} command's flags, the options' error messages and the logs all use this
 * one spelling.
 *
 * <p>{@link #parse} accepts ASCII digits (no sign, no fraction, no separators; leading zeros allowed) directly
 * followed by one lower-case unit: {@code ms} (milliseconds), {@code s} (seconds), {@code m} (minutes), {@code h}
 * (hours) or {@code d} (days of 24 hours). White space around the text is ignored. A bare number is refused rather
 * than guessed (HAProxy reads one as milliseconds, other tools as seconds), and so are negative durations, ISO-8601
 * ({@code PT2S}), compound forms ({@code 1m30s}) and any duration longer than {@link Duration} can hold.
 *
 * <p>{@link #format} writes the shortest exact spelling: the largest of those units that divides the duration,
 * else milliseconds ({@code 90s}, {@code 1500ms}, {@code 0ms}). Round trip: for every non-negative duration {@code d}
 * of whole milliseconds, {@code parse(format(d)).equals(d)}; and {@code format(parse(text))} gives back {@code text}
 * whenever {@code text} was already in that shortest form.
 *
 * <p>Stateless and thread-safe.
 *
 * <pre>{@code
 * Duration timeout = Durations.parse("250ms");   // PT0.25S
 * String shown = Durations.format(timeout);      // "250ms"
 * }</pre>
 */
public final class Durations {

  /** The accepted forms, as every refusal states them. */
  private static final String EXPECTED =
      "(expected: a whole number and a unit ms, s, m, h or d, such as 200ms, 2s or 1m)";
  private static final Pattern SYNTAX = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  /** Largest first, so that {@link #format} finds the shortest exact spelling; milliseconds in each. */
  private static final String[] UNIT_SUFFIX = {"d", "h", "m", "s", "ms"};
  private static final BigInteger[] UNIT_MILLIS = {BigInteger.valueOf(86_400_000L), BigInteger.valueOf(3_600_000L),
      BigInteger.valueOf(60_000L), BigInteger.valueOf(1000L), BigInteger.ONE};
  private static final BigInteger THOUSAND = BigInteger.valueOf(1000);
  private static final BigInteger NANOS_PER_MILLI = BigInteger.valueOf(1_000_000);
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000);
  /** The longest duration of whole milliseconds a {@link Duration} holds, in milliseconds. */
  private static final BigInteger MAX_MILLIS = BigInteger.valueOf(Long.MAX_VALUE).multiply(THOUSAND)
      .add(BigInteger.valueOf(999));
  /** Digits of {@link #MAX_MILLIS}: a longer number (leading zeros aside) is too long in any unit. */
  private static final int MAX_DIGITS = MAX_MILLIS.toString().length();

  private Durations() {
  }

  /**
   * Reads a duration written as described above, such as {@code 200ms} or {@code 2s}.
   *
   * @param text the duration as written; never null
   * @return the duration, never negative
   * @throws IllegalArgumentException quoting {@code text} and stating the expected form, when it is not one
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = SYNTAX.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration " + EXPECTED);
    }
    String digits = stripLeadingZeros(m.group(1));
    BigInteger millis = digits.length() > MAX_DIGITS ? null
        : new BigInteger(digits).multiply(UNIT_MILLIS[unitIndex(m.group(2))]);
    if (millis == null || millis.compareTo(MAX_MILLIS) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration (expected: at most "
          + format(MAX_MILLIS) + ")");
    }
    BigInteger[] secondsAndMillis = millis.divideAndRemainder(THOUSAND);
    return Duration.ofSeconds(secondsAndMillis[0].longValueExact(), secondsAndMillis[1].longValueExact() * 1_000_000);
  }

  /**
   * The shortest exact spelling of {@code duration} in whole days, hours, minutes, seconds or milliseconds, such as
   * {@code 5m} or {@code 1500ms}. A fraction of a millisecond is dropped (towards zero); a negative duration is
   * spelled with a leading {@code -} (which {@link #parse} refuses: settings are never negative, but error messages
   * show what they were given).
   *
   * @param duration any duration; never null
   * @return the spelling, never null
   */
  public static String format(Duration duration) {
    BigInteger nanos = BigInteger.valueOf(duration.getSeconds()).multiply(NANOS_PER_SECOND)
        .add(BigInteger.valueOf(duration.getNano()));
    return format(nanos.divide(NANOS_PER_MILLI));
  }

  private static String format(BigInteger millis) {
    if (millis.signum() == 0) {
      return "0ms";
    }
    for (int i = 0; i < UNIT_MILLIS.length; i++) {
      BigInteger[] quotientAndRemainder = millis.divideAndRemainder(UNIT_MILLIS[i]);
      if (quotientAndRemainder[1].signum() == 0) {
        return quotientAndRemainder[0] + UNIT_SUFFIX[i];
      }
    }
    throw new AssertionError("every duration is a whole number of milliseconds");
  }

  private static String stripLeadingZeros(String digits) {
    int first = 0;
    while (first < digits.length() - 1 && digits.charAt(first) == '0') {
      first++;
    }
    return digits.substring(first);
  }

  private static int unitIndex(String suffix) {
    for (int i = 0; i < UNIT_SUFFIX.length; i++) {
      if (UNIT_SUFFIX[i].equals(suffix)) {
        return i;
      }
    }
    throw new AssertionError("the pattern admits only known units: " + suffix);
  }
}
