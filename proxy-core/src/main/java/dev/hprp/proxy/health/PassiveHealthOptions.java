package dev.hprp.proxy.health;

import dev.hprp.proxy.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Passive health (outlier ejection, as Envoy calls it): a backend whose connects keep failing is taken out of
 * rotation for a while, without waiting for an active check.
 *
 * <p>After {@code consecutiveFailures} failed connects in a row a backend is ejected for {@code baseEjectionTime}
 * times the number of times it has been ejected (capped at {@code maxEjectionTime}); a successful connect resets the
 * failure count, and a full ejection period without new ejections resets the multiplier. At most
 * {@code maxEjectedPercent} of the backends are ejected at once, but one always may be. Not thread-safe; the builder
 * copies it.
 */
public final class PassiveHealthOptions {

  /** Failed connects in a row that eject a backend: 5 (Envoy's {@code consecutive_5xx}). */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  /** First ejection time: 30 s (Envoy's {@code base_ejection_time}). */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  /** Longest ejection time: 300 s (Envoy's {@code max_ejection_time}). */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
  /**
   * Most backends ejected at once, in percent: 50. Envoy's 10 suits fleets of dozens; for the two to five backends
   * a typical HPRP balances, 10% would allow the single guaranteed ejection only.
   */
  public static final int DEFAULT_MAX_EJECTED_PERCENT = 50;

  /** An ejected backend passing {@code rise} active probes in a row is back at once (Envoy's default too). */
  public static final boolean DEFAULT_UNEJECT_ON_ACTIVE_CHECK = true;
  /** A backend that closes a new connection without a byte within this time counts as a failed connect: 1 s. */
  public static final Duration DEFAULT_EARLY_CLOSE_WINDOW = Duration.ofSeconds(1);

  private boolean unejectOnActiveCheck = DEFAULT_UNEJECT_ON_ACTIVE_CHECK;
  private Duration earlyCloseWindow = DEFAULT_EARLY_CLOSE_WINDOW;
  private boolean enabled = true;
  private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
  private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
  private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
  private int maxEjectedPercent = DEFAULT_MAX_EJECTED_PERCENT;

  /** Options holding every default (enabled). */
  public PassiveHealthOptions() {
  }

  /** A copy of {@code other}; never null. */
  public PassiveHealthOptions(PassiveHealthOptions other) {
    this.enabled = other.enabled;
    this.consecutiveFailures = other.consecutiveFailures;
    this.baseEjectionTime = other.baseEjectionTime;
    this.maxEjectionTime = other.maxEjectionTime;
    this.maxEjectedPercent = other.maxEjectedPercent;
    this.unejectOnActiveCheck = other.unejectOnActiveCheck;
    this.earlyCloseWindow = other.earlyCloseWindow;
  }

  /** Whether an ejected backend returns once it passes {@code rise} active probes in a row; default true. */
  public boolean isUnejectOnActiveCheck() {
    return unejectOnActiveCheck;
  }

  /** Sets whether passing active probes end an ejection early. */
  public PassiveHealthOptions setUnejectOnActiveCheck(boolean unejectOnActiveCheck) {
    this.unejectOnActiveCheck = unejectOnActiveCheck;
    return this;
  }

  /** How soon after connecting a backend's close without a byte counts as a failure; default 1 s, 0 off. */
  public Duration getEarlyCloseWindow() {
    return earlyCloseWindow;
  }

  /** Sets the early-close window, 0 (off) to 1 minute. */
  public PassiveHealthOptions setEarlyCloseWindow(Duration earlyCloseWindow) {
    Objects.requireNonNull(earlyCloseWindow, "earlyCloseWindow");
    if (!Durations.within(earlyCloseWindow, Duration.ZERO, Duration.ofMinutes(1))) {
      throw new IllegalArgumentException("earlyCloseWindow: " + Durations.format(earlyCloseWindow)
          + " (expected: 0ms-1m)");
    }
    this.earlyCloseWindow = earlyCloseWindow;
    return this;
  }

  /** Whether failed connects eject backends; default true. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Turns passive health on or off. */
  public PassiveHealthOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Failed connects in a row that eject a backend; default 5. */
  public int getConsecutiveFailures() {
    return consecutiveFailures;
  }

  /** Sets the failed connects in a row that eject a backend, 1-1000. */
  public PassiveHealthOptions setConsecutiveFailures(int consecutiveFailures) {
    if (consecutiveFailures < 1 || consecutiveFailures > 1000) {
      throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: 1-1000)");
    }
    this.consecutiveFailures = consecutiveFailures;
    return this;
  }

  /** First ejection time; default 30 s. */
  public Duration getBaseEjectionTime() {
    return baseEjectionTime;
  }

  /** Sets the first ejection time, 10 ms to 1 hour. */
  public PassiveHealthOptions setBaseEjectionTime(Duration baseEjectionTime) {
    this.baseEjectionTime = checkDuration("baseEjectionTime", baseEjectionTime);
    return this;
  }

  /** Longest ejection time; default 300 s. */
  public Duration getMaxEjectionTime() {
    return maxEjectionTime;
  }

  /** Sets the longest ejection time, 10 ms to 1 hour; the builder checks it is not below the base time. */
  public PassiveHealthOptions setMaxEjectionTime(Duration maxEjectionTime) {
    this.maxEjectionTime = checkDuration("maxEjectionTime", maxEjectionTime);
    return this;
  }

  /** Most backends ejected at once, in percent; default 50. */
  public int getMaxEjectedPercent() {
    return maxEjectedPercent;
  }

  /** Sets the most backends ejected at once, 0-100 percent (one backend may always be ejected). */
  public PassiveHealthOptions setMaxEjectedPercent(int maxEjectedPercent) {
    if (maxEjectedPercent < 0 || maxEjectedPercent > 100) {
      throw new IllegalArgumentException("maxEjectedPercent: " + maxEjectedPercent + " (expected: 0-100)");
    }
    this.maxEjectedPercent = maxEjectedPercent;
    return this;
  }

  private static Duration checkDuration(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (!Durations.within(value, Duration.ofMillis(10), Duration.ofHours(1))) {
      throw new IllegalArgumentException(name + ": " + Durations.format(value) + " (expected: 10ms-1h)");
    }
    return value;
  }

  @Override
  public String toString() {
    return "PassiveHealthOptions{enabled=" + enabled + ", consecutiveFailures=" + consecutiveFailures
        + ", baseEjectionTime=" + baseEjectionTime + ", maxEjectionTime=" + maxEjectionTime
        + ", maxEjectedPercent=" + maxEjectedPercent + "}";
  }
}
