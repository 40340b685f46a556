package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Connection limits and the queue (HAProxy's {@code maxconn}, server {@code maxconn}, {@code maxqueue},
 * {@code timeout queue}, {@code timeout client}). Collects the flags' values.
 */
final class LimitFlags {

  static final String MAX_CONNECTIONS = "--max-connections";
  static final String BACKEND_MAX_CONNECTIONS = "--backend-max-connections";
  static final String MAX_QUEUE = "--max-queue";
  static final String QUEUE_TIMEOUT = "--queue-timeout";
  static final String CLIENT_TIMEOUT = "--client-timeout";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      MAX_CONNECTIONS, String.valueOf(ReverseProxyOptions.DEFAULT_MAX_CONNECTIONS),
      BACKEND_MAX_CONNECTIONS, String.valueOf(ReverseProxyOptions.DEFAULT_BACKEND_MAX_CONNECTIONS),
      MAX_QUEUE, String.valueOf(ReverseProxyOptions.DEFAULT_MAX_QUEUE),
      QUEUE_TIMEOUT, Durations.format(ReverseProxyOptions.DEFAULT_QUEUE_TIMEOUT),
      CLIENT_TIMEOUT, Durations.format(ReverseProxyOptions.DEFAULT_CLIENT_TIMEOUT));

  @Option(names = MAX_CONNECTIONS, order = 53, paramLabel = "N",
      description = "Most client connections open at once; beyond, new clients wait in the kernel's backlog until "
          + "one closes. 0 (no limit)-10000000. Default: ${DEFAULT-VALUE} (half the open-file limit left after a "
          + "reserve of " + ReverseProxyOptions.FILE_DESCRIPTOR_RESERVE + ").")
  int maxConnections;

  @Option(names = BACKEND_MAX_CONNECTIONS, order = 54, paramLabel = "N",
      description = "Most connections open at once to each backend (HTTP mode: requests in flight); a client finding "
          + "every backend full waits in the queue. 0 (no limit)-10000000. Default: ${DEFAULT-VALUE}.")
  int backendMaxConnections;

  @Option(names = MAX_QUEUE, order = 55, paramLabel = "N",
      description = "Most clients waiting for a backend slot; one more is closed at once (HTTP mode: answered 503). "
          + "0-1000000. Default: ${DEFAULT-VALUE}.")
  int maxQueue;

  @Option(names = QUEUE_TIMEOUT, order = 56, paramLabel = "DURATION",
      description = "Time a client may wait for a backend slot before it is closed (HTTP mode: answered 503), 1ms-1h. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration queueTimeout;

  @Option(names = CLIENT_TIMEOUT, order = 57, paramLabel = "DURATION",
      description = "TCP mode only (refused with --mode http, where --request-header-timeout applies): a client "
          + "that sends nothing for this long after connecting is closed; 0ms (off)-7d. Default: ${DEFAULT-VALUE}.")
  Duration clientTimeout;
}
