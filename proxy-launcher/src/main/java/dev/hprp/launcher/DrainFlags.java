package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** How long the connections of a leaving backend may finish. Collects the flag's value. */
final class DrainFlags {

  static final String DRAIN_TIMEOUT = "--drain-timeout";

  /** What {@code --help} shows when the flag is not given: the core's default. */
  static final Map<String, String> DEFAULTS = Map.of(
      DRAIN_TIMEOUT, Durations.format(ReverseProxyOptions.DEFAULT_DRAIN_TIMEOUT));

  @Option(names = DRAIN_TIMEOUT, order = 53, paramLabel = "DURATION",
      description = "How long the connections of a leaving backend (one DNS no longer lists) may go on before they "
          + "are closed, 0ms-7d. Default: ${DEFAULT-VALUE}.")
  Duration drainTimeout;
}
