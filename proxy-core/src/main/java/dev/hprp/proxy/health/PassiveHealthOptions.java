package dev.hprp.proxy.health;

import dev.hprp.proxy.Ranges;
import java.time.Duration;

/**
 * Passive health (outlier ejection, as Envoy calls it): a backend whose connects keep failing is taken out of
 * rotation for a while, without waiting for an active check.
 *
 * <p>After {@code consecutiveFailures} failed connects in a row a backend is ejected for {@code baseEjectionTime}
 * times the number of times it has been ejected (capped at {@code maxEjectionTime}); a successful connect resets the
 * failure count, and a full ejection period without new ejections resets the multiplier. At most
 * {@code maxEjectedPercent} of the backends are ejected at once, but one always may be.
 *
 * <p>A failed connect is one refused or timed out, or, within {@code earlyCloseWindow} of the connect, one the
 * backend accepted and then reset or closed before sending a byte while the client had not ended its side (a service
 * that accepts and drops every connection would otherwise look healthy). An ejected backend returns when its
 * ejection time is over, or, with {@code unejectOnActiveCheck} and an active health check, as soon as it passes
 * {@link HealthCheckOptions#getRise() rise} consecutive probes.
 *
 * <p>Not thread-safe: configure, then hand to the builder, which copies it. Setters return {@code this} and throw
 * {@link IllegalArgumentException} with a message like {@code maxEjectedPercent: 101 (expected: 0-100)} (see
 * {@link Ranges}).
 *
 * <pre>{@code
 * new PassiveHealthOptions().setConsecutiveFailures(3).setEarlyCloseWindow(Duration.ofMillis(500))
 * }</pre>
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
  /**
   * Whether a backend ejected by passive health returns to rotation as soon as it passes {@code rise} consecutive
   * active probes, instead of waiting out its ejection time: true (Envoy's
   * {@code successful_active_health_check_uneject_host}). Without an active health check it has no effect.
   */
  public static final boolean DEFAULT_UNEJECT_ON_ACTIVE_CHECK = true;
  /**
   * How soon after the connect a backend's reset or close, before it sent a byte and before the client ended its
   * side, counts as a failed connect: 1 s.
   */
  public static final Duration DEFAULT_EARLY_CLOSE_WINDOW = Duration.ofSeconds(1);
  /**
   * Whether, in HTTP mode, a 5xx status answered by a backend counts as a failure too: false. Failed connects and the
   * proxy's own 502 and 504 (a backend that reset, closed or timed out) always count.
   */
  public static final boolean DEFAULT_COUNT_SERVER_ERRORS = false;

  private static final Duration MIN_EJECTION_TIME = Duration.ofMillis(10);
  private static final Duration MAX_EJECTION_TIME = Duration.ofHours(1);

  private boolean enabled = true;
  private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
  private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
  private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
  private int maxEjectedPercent = DEFAULT_MAX_EJECTED_PERCENT;
  private boolean unejectOnActiveCheck = DEFAULT_UNEJECT_ON_ACTIVE_CHECK;
  private Duration earlyCloseWindow = DEFAULT_EARLY_CLOSE_WINDOW;
  private boolean countServerErrors = DEFAULT_COUNT_SERVER_ERRORS;

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
    this.countServerErrors = other.countServerErrors;
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
    this.consecutiveFailures = Ranges.check("consecutiveFailures", consecutiveFailures, 1, 1000);
    return this;
  }

  /** First ejection time; default 30 s. */
  public Duration getBaseEjectionTime() {
    return baseEjectionTime;
  }

  /** Sets the first ejection time, 10 ms to 1 hour. */
  public PassiveHealthOptions setBaseEjectionTime(Duration baseEjectionTime) {
    this.baseEjectionTime = Ranges.check("baseEjectionTime", baseEjectionTime, MIN_EJECTION_TIME, MAX_EJECTION_TIME);
    return this;
  }

  /** Longest ejection time; default 300 s. */
  public Duration getMaxEjectionTime() {
    return maxEjectionTime;
  }

  /** Sets the longest ejection time, 10 ms to 1 hour; the builder checks it is not below the base time. */
  public PassiveHealthOptions setMaxEjectionTime(Duration maxEjectionTime) {
    this.maxEjectionTime = Ranges.check("maxEjectionTime", maxEjectionTime, MIN_EJECTION_TIME, MAX_EJECTION_TIME);
    return this;
  }

  /** Most backends ejected at once, in percent; default 50. */
  public int getMaxEjectedPercent() {
    return maxEjectedPercent;
  }

  /** Sets the most backends ejected at once, 0-100 percent (one backend may always be ejected). */
  public PassiveHealthOptions setMaxEjectedPercent(int maxEjectedPercent) {
    this.maxEjectedPercent = Ranges.check("maxEjectedPercent", maxEjectedPercent, 0, 100);
    return this;
  }

  /**
   * Whether a backend ejected by passive health returns as soon as it passes {@code rise} consecutive active probes;
   * default {@value #DEFAULT_UNEJECT_ON_ACTIVE_CHECK}. When false it waits out its ejection time whatever the probes
   * say.
   */
  public boolean isUnejectOnActiveCheck() {
    return unejectOnActiveCheck;
  }

  /**
   * Sets whether passing {@code rise} consecutive active probes ends a passive ejection early (Envoy's
   * {@code successful_active_health_check_uneject_host}); no effect without an active health check.
   */
  public PassiveHealthOptions setUnejectOnActiveCheck(boolean unejectOnActiveCheck) {
    this.unejectOnActiveCheck = unejectOnActiveCheck;
    return this;
  }

  /**
   * How soon after the connect a backend that resets or closes the connection, before sending a byte and before the
   * client ended its side, counts as a failed connect; default 1 s; zero: never (only refused and timed-out connects
   * count).
   */
  public Duration getEarlyCloseWindow() {
    return earlyCloseWindow;
  }

  /** Sets the early-close window, 0 ms (off) to 1 minute. */
  public PassiveHealthOptions setEarlyCloseWindow(Duration earlyCloseWindow) {
    this.earlyCloseWindow = Ranges.check("earlyCloseWindow", earlyCloseWindow, Duration.ZERO, Duration.ofMinutes(1));
    return this;
  }

  /**
   * Whether, in HTTP mode, a backend's 5xx answer counts as a failure; default
   * {@value #DEFAULT_COUNT_SERVER_ERRORS}. Connect failures and the proxy's 502/504 outcomes always count.
   */
  public boolean isCountServerErrors() {
    return countServerErrors;
  }

  /** Sets whether a backend's 5xx answer counts as a failure in HTTP mode (Envoy's {@code consecutive_5xx}). */
  public PassiveHealthOptions setCountServerErrors(boolean countServerErrors) {
    this.countServerErrors = countServerErrors;
    return this;
  }

  @Override
  public String toString() {
    return "PassiveHealthOptions{enabled=" + enabled + ", consecutiveFailures=" + consecutiveFailures
        + ", baseEjectionTime=" + baseEjectionTime + ", maxEjectionTime=" + maxEjectionTime
        + ", maxEjectedPercent=" + maxEjectedPercent + ", unejectOnActiveCheck=" + unejectOnActiveCheck
        + ", earlyCloseWindow=" + earlyCloseWindow + ", countServerErrors=" + countServerErrors + "}";
  }
}
