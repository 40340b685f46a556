package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.health.PassiveHealthOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Passive health (outlier ejection): when failures take a backend out, and for how long. Collects values. */
final class PassiveHealthFlags {

  static final String FAILURES = "--passive-failures";
  static final String EJECTION_TIME = "--ejection-time";
  static final String MAX_EJECTION_TIME = "--max-ejection-time";
  static final String MAX_EJECTED_PERCENT = "--max-ejected-percent";
  static final String UNEJECT_ON_CHECK = "--uneject-on-check";
  static final String EARLY_CLOSE_WINDOW = "--early-close-window";
  static final String SERVER_ERRORS = "--passive-server-errors";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      FAILURES, String.valueOf(PassiveHealthOptions.DEFAULT_CONSECUTIVE_FAILURES),
      EJECTION_TIME, Durations.format(PassiveHealthOptions.DEFAULT_BASE_EJECTION_TIME),
      MAX_EJECTION_TIME, Durations.format(PassiveHealthOptions.DEFAULT_MAX_EJECTION_TIME),
      MAX_EJECTED_PERCENT, String.valueOf(PassiveHealthOptions.DEFAULT_MAX_EJECTED_PERCENT),
      UNEJECT_ON_CHECK, String.valueOf(PassiveHealthOptions.DEFAULT_UNEJECT_ON_ACTIVE_CHECK),
      EARLY_CLOSE_WINDOW, Durations.format(PassiveHealthOptions.DEFAULT_EARLY_CLOSE_WINDOW),
      SERVER_ERRORS, String.valueOf(PassiveHealthOptions.DEFAULT_COUNT_SERVER_ERRORS));

  @Option(names = FAILURES, order = 40, paramLabel = "N",
      description = "Consecutive failed connects that eject a backend (passive health), 1-1000. "
          + "Default: ${DEFAULT-VALUE}.")
  int failures;

  @Option(names = EJECTION_TIME, order = 41, paramLabel = "DURATION",
      description = "How long a backend is ejected the first time; each repeated ejection adds as much again, up to "
          + "--max-ejection-time. 10ms-1h. Default: ${DEFAULT-VALUE}.")
  Duration ejectionTime;

  @Option(names = MAX_EJECTION_TIME, order = 42, paramLabel = "DURATION",
      description = "Longest ejection, 10ms-1h, not below --ejection-time. Default: ${DEFAULT-VALUE}.")
  Duration maxEjectionTime;

  @Option(names = MAX_EJECTED_PERCENT, order = 43, paramLabel = "N",
      description = "Most backends ejected at once, in percent (one always may be), 0-100. Default: ${DEFAULT-VALUE}.")
  int maxEjectedPercent;

  /** As written: picocli reads an empty value of a boolean option as false, so this is read where it is applied. */
  @Option(names = UNEJECT_ON_CHECK, order = 44, paramLabel = "true|false",
      description = "Whether an ejected backend returns as soon as it passes --rise active probes. "
          + "Default: ${DEFAULT-VALUE}.")
  String unejectOnCheck;

  @Option(names = EARLY_CLOSE_WINDOW, order = 45, paramLabel = "DURATION",
      description = "A backend that closes or resets a connection this soon after the connect, before sending a byte, "
          + "counts as a failed connect. 0ms (off)-1m. Default: ${DEFAULT-VALUE}.")
  Duration earlyCloseWindow;

  /** As written, like {@link #unejectOnCheck}. */
  @Option(names = SERVER_ERRORS, order = 46, paramLabel = "true|false",
      description = "HTTP: whether a backend's 5xx answer counts as a failure too (failed connects, 502 and 504 always "
          + "do). Default: ${DEFAULT-VALUE}.")
  String serverErrors;
}
