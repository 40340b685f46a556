package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.health.HealthCheckOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Active health checks: the probe, its schedule and thresholds. Collects the flags' values. */
final class HealthFlags {

  static final String CHECK = "--health-check";
  static final String INTERVAL = "--health-interval";
  static final String TIMEOUT = "--health-timeout";
  static final String RISE = "--rise";
  static final String FALL = "--fall";

  /** The probe when {@code --health-check} is not given. */
  static final HealthCheckChoice DEFAULT_CHECK = HealthCheckChoice.parse("tcp");
  /** The probe of {@code --demo} when {@code --health-check} is not given: the demo backends answer it. */
  static final HealthCheckChoice DEMO_CHECK = HealthCheckChoice.parse("http:/health");

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      CHECK, DEFAULT_CHECK.text(),
      INTERVAL, Durations.format(HealthCheckOptions.DEFAULT_INTERVAL),
      TIMEOUT, Durations.format(HealthCheckOptions.DEFAULT_TIMEOUT),
      RISE, String.valueOf(HealthCheckOptions.DEFAULT_RISE),
      FALL, String.valueOf(HealthCheckOptions.DEFAULT_FALL));

  @Option(names = CHECK, order = 30, paramLabel = "none|tcp|http[:/PATH]",
      description = "Active health check: none, a TCP connect, or an HTTP GET (2xx/3xx is healthy; path default /). "
          + "Default: ${DEFAULT-VALUE}.")
  HealthCheckChoice check;

  @Option(names = INTERVAL, order = 31, paramLabel = "DURATION",
      description = "Time between probes of a backend, 10ms-1h. Default: ${DEFAULT-VALUE}.")
  Duration interval;

  @Option(names = TIMEOUT, order = 32, paramLabel = "DURATION",
      description = "Time a probe may take, 10ms-1h. Default: ${DEFAULT-VALUE}.")
  Duration timeout;

  @Option(names = RISE, order = 33, paramLabel = "N",
      description = "Consecutive successful probes that bring a backend back up, 1-100. Default: ${DEFAULT-VALUE}.")
  int rise;

  @Option(names = FALL, order = 34, paramLabel = "N",
      description = "Consecutive failed probes that take a backend down, 1-100. Default: ${DEFAULT-VALUE}.")
  int fall;
}
