package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Operating the proxy: the admin endpoint, the access log, the drain on SIGTERM. Collects the flags' values. */
final class AdminFlags {

  static final String ADMIN_PORT = "--admin-port";
  static final String ADMIN_HOST = "--admin-host";
  static final String ADMIN_TOKEN = "--admin-token";
  static final String ACCESS_LOG = "--access-log";
  static final String DRAIN_TIMEOUT = "--drain-timeout";

  /** Loopback: the endpoint can change backends, so it is not exposed unless asked (and then with a token). */
  static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
  /** The core's: the drain of a stopping proxy and of a leaving backend are one setting. */
  static final Duration DEFAULT_DRAIN_TIMEOUT = ReverseProxyOptions.DEFAULT_DRAIN_TIMEOUT;
  /** The longest drain, as for a backend removal. */
  static final Duration MAX_DRAIN_TIMEOUT = ReverseProxyOptions.MAX_DRAIN_TIMEOUT;

  /** What {@code --help} shows for each flag not given. */
  static final Map<String, String> DEFAULTS = Map.of(
      ADMIN_HOST, DEFAULT_ADMIN_HOST,
      DRAIN_TIMEOUT, Durations.format(DEFAULT_DRAIN_TIMEOUT));

  @Option(names = ADMIN_PORT, order = 70, paramLabel = "PORT",
      description = "Port of the admin endpoint (metrics, backends, probes), 0-65535; 0 picks a free one. "
          + "Default: off.")
  Integer adminPort;

  @Option(names = ADMIN_HOST, order = 71, paramLabel = "ADDRESS",
      description = "Address of the admin endpoint; one that is not loopback requires --admin-token. "
          + "Default: ${DEFAULT-VALUE}.")
  String adminHost;

  @Option(names = ADMIN_TOKEN, order = 72, paramLabel = "TOKEN",
      description = "Bearer token required by the admin endpoint's changes (POST, PUT, DELETE). Default: none.")
  String adminToken;

  @Option(names = ACCESS_LOG, order = 73,
      description = "Log one line per connection (in HTTP mode, per request) to the logger dev.hprp.access.")
  boolean accessLog;

  @Option(names = DRAIN_TIMEOUT, order = 74, paramLabel = "DURATION",
      description = "How long open connections may go on before they are closed: the proxy's on SIGTERM or Ctrl-C, "
          + "and a leaving backend's (one its DNS entry no longer lists). 0ms-7d. Default: ${DEFAULT-VALUE}.")
  Duration drainTimeout;
}
