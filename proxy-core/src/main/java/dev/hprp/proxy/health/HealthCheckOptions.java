package dev.hprp.proxy.health;

import dev.hprp.proxy.Ranges;
import java.time.Duration;

/**
 * Schedule and thresholds of active health checks; HAProxy's defaults ({@code inter 2s rise 2 fall 3}).
 *
 * <p>Not thread-safe: configure, then hand to the builder, which copies it. Setters return {@code this} and throw
 * {@link IllegalArgumentException} with a message like {@code rise: 0 (expected: 1-100)} (see {@link Ranges}).
 */
public final class HealthCheckOptions {

  /** Time between the end of one probe of a backend and the start of the next: 2 s. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  /** Time a probe may take before it counts as failed: 1 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  /** Consecutive successes that bring a DOWN backend back UP: 2. */
  public static final int DEFAULT_RISE = 2;
  /** Consecutive failures that take an UP backend DOWN: 3. */
  public static final int DEFAULT_FALL = 3;
  /**
   * Extra random wait added to each interval, as a share of it (0.1: up to 10% more), so that probes of many
   * backends and many proxies spread out instead of arriving together.
   */
  public static final double DEFAULT_JITTER = 0.1;

  private static final Duration MIN_TIME = Duration.ofMillis(10);
  private static final Duration MAX_TIME = Duration.ofHours(1);
  private static final int MAX_COUNT = 100;

  private Duration interval = DEFAULT_INTERVAL;
  private Duration timeout = DEFAULT_TIMEOUT;
  private int rise = DEFAULT_RISE;
  private int fall = DEFAULT_FALL;
  private double jitter = DEFAULT_JITTER;

  /** Options holding every default. */
  public HealthCheckOptions() {
  }

  /** A copy of {@code other}; never null. */
  public HealthCheckOptions(HealthCheckOptions other) {
    this.interval = other.interval;
    this.timeout = other.timeout;
    this.rise = other.rise;
    this.fall = other.fall;
    this.jitter = other.jitter;
  }

  /** Time between probes of one backend; default 2 s. */
  public Duration getInterval() {
    return interval;
  }

  /** Sets the time between probes, 10 ms to 1 hour. */
  public HealthCheckOptions setInterval(Duration interval) {
    this.interval = Ranges.check("health interval", interval, MIN_TIME, MAX_TIME);
    return this;
  }

  /** Time one probe may take; default 1 s. */
  public Duration getTimeout() {
    return timeout;
  }

  /** Sets the probe timeout, 10 ms to 1 hour. */
  public HealthCheckOptions setTimeout(Duration timeout) {
    this.timeout = Ranges.check("health timeout", timeout, MIN_TIME, MAX_TIME);
    return this;
  }

  /** Consecutive successes to come back UP; default 2. */
  public int getRise() {
    return rise;
  }

  /** Sets the successes needed to come back UP, 1-100. */
  public HealthCheckOptions setRise(int rise) {
    this.rise = Ranges.check("rise", rise, 1, MAX_COUNT);
    return this;
  }

  /** Consecutive failures to go DOWN; default 3. */
  public int getFall() {
    return fall;
  }

  /** Sets the failures needed to go DOWN, 1-100. */
  public HealthCheckOptions setFall(int fall) {
    this.fall = Ranges.check("fall", fall, 1, MAX_COUNT);
    return this;
  }

  /** Random extra wait per interval as a share of it; default 0.1. */
  public double getJitter() {
    return jitter;
  }

  /** Sets the jitter share, 0 (none) to 1 (up to twice the interval). */
  public HealthCheckOptions setJitter(double jitter) {
    this.jitter = Ranges.check("jitter", jitter, 0.0, 1.0);
    return this;
  }

  @Override
  public String toString() {
    return "HealthCheckOptions{interval=" + interval + ", timeout=" + timeout + ", rise=" + rise + ", fall=" + fall
        + ", jitter=" + jitter + "}";
  }
}
