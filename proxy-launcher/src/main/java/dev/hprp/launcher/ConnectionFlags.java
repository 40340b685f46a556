package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Timeouts and attempts of each relayed connection. Collects the flags' values. */
final class ConnectionFlags {

  static final String CONNECT_TIMEOUT = "--connect-timeout";
  static final String IDLE_TIMEOUT = "--idle-timeout";
  static final String MAX_CONNECT_ATTEMPTS = "--max-connect-attempts";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      CONNECT_TIMEOUT, Durations.format(ReverseProxyOptions.DEFAULT_CONNECT_TIMEOUT),
      IDLE_TIMEOUT, Durations.format(ReverseProxyOptions.DEFAULT_IDLE_TIMEOUT),
      MAX_CONNECT_ATTEMPTS, String.valueOf(ReverseProxyOptions.DEFAULT_MAX_CONNECT_ATTEMPTS));

  @Option(names = CONNECT_TIMEOUT, order = 50, paramLabel = "DURATION",
      description = "Time a connect to a backend may take before the next is tried, 1ms-1h. Default: ${DEFAULT-VALUE}.")
  Duration connectTimeout;

  @Option(names = IDLE_TIMEOUT, order = 51, paramLabel = "DURATION",
      description = "Time without traffic either way before a connection is closed, 1ms-7d. Default: ${DEFAULT-VALUE}.")
  Duration idleTimeout;

  @Option(names = MAX_CONNECT_ATTEMPTS, order = 52, paramLabel = "N",
      description = "Distinct backends tried per client connection, 1-100. Default: ${DEFAULT-VALUE}.")
  int maxConnectAttempts;
}
