package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxyOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The mode (TCP or HTTP), the upstream pool, and HTTP mode's own settings. Collects the flags' values;
 * {@link HprpCommand#settings()} applies them.
 */
final class HttpFlags {

  static final String MODE = "--mode";
  static final String POOL_SIZE = "--pool-size";
  static final String POOL_QUEUE = "--pool-queue";
  static final String POOL_QUEUE_TIMEOUT = "--pool-queue-timeout";
  static final String KEEP_ALIVE_TIMEOUT = "--keep-alive-timeout";
  static final String RESPONSE_TIMEOUT = "--response-timeout";
  static final String MAX_HEADER_SIZE = "--max-header-size";
  static final String REQUEST_HEADER_TIMEOUT = "--request-header-timeout";
  static final String FORWARDED_HEADERS = "--forwarded-headers";
  static final String VIA = "--via";
  static final String HASH_KEY = "--hash-key";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry(MODE, ReverseProxyOptions.DEFAULT_MODE.toString()),
      Map.entry(POOL_SIZE, ReverseProxyOptions.DEFAULT_HTTP_POOL_SIZE + " (http), "
          + ReverseProxyOptions.DEFAULT_TCP_POOL_SIZE + " (tcp)"),
      Map.entry(POOL_QUEUE, String.valueOf(HttpOptions.DEFAULT_POOL_QUEUE)),
      Map.entry(POOL_QUEUE_TIMEOUT, Durations.format(HttpOptions.DEFAULT_POOL_QUEUE_TIMEOUT)),
      Map.entry(KEEP_ALIVE_TIMEOUT, Durations.format(HttpOptions.DEFAULT_KEEP_ALIVE_TIMEOUT)),
      Map.entry(RESPONSE_TIMEOUT, Durations.format(HttpOptions.DEFAULT_RESPONSE_TIMEOUT)),
      Map.entry(MAX_HEADER_SIZE, String.valueOf(HttpOptions.DEFAULT_MAX_HEADER_SIZE)),
      Map.entry(REQUEST_HEADER_TIMEOUT, Durations.format(HttpOptions.DEFAULT_REQUEST_HEADER_TIMEOUT)),
      Map.entry(FORWARDED_HEADERS, HttpOptions.DEFAULT_FORWARDED_HEADERS ? "on" : "off"),
      Map.entry(VIA, HttpOptions.DEFAULT_VIA ? "on" : "off"),
      Map.entry(HASH_KEY, HashKey.DEFAULT.toString()));

  /** As written: read where applied, so that a bad value is refused naming the flag. */
  @Option(names = MODE, order = 23, paramLabel = "tcp|http",
      description = "Balance TCP connections (tcp) or HTTP requests (http). Default: ${DEFAULT-VALUE}.")
  String mode;

  @Option(names = POOL_SIZE, order = 24, paramLabel = "N",
      description = "Upstream connections per backend kept for reuse: http, the keep-alive pool shared by all clients "
          + "(1-10000); tcp, idle connections opened in advance for new clients (0-10000, 0: off). "
          + "Default: ${DEFAULT-VALUE}.")
  String poolSize; // as written: its default depends on the mode, so it is parsed where applied

  @Option(names = POOL_QUEUE, order = 25, paramLabel = "N",
      description = "HTTP: requests that may wait for a busy backend's pool, 1-100000; beyond it, 503. "
          + "Default: ${DEFAULT-VALUE}.")
  int poolQueue;

  @Option(names = POOL_QUEUE_TIMEOUT, order = 26, paramLabel = "DURATION",
      description = "HTTP: how long a request waits for a pooled connection before 503, 1ms-1h. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration poolQueueTimeout;

  @Option(names = KEEP_ALIVE_TIMEOUT, order = 27, paramLabel = "DURATION",
      description = "HTTP: a pooled backend connection idle this long is closed, whole seconds, 1s-1d. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration keepAliveTimeout;

  @Option(names = RESPONSE_TIMEOUT, order = 28, paramLabel = "DURATION",
      description = "HTTP: time a backend may take to start its response (then 504), or stall within it, 1ms-1d. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration responseTimeout;

  @Option(names = MAX_HEADER_SIZE, order = 29, paramLabel = "BYTES",
      description = "HTTP: largest request head a client may send, 1024-1048576; larger, 431. "
          + "Default: ${DEFAULT-VALUE}.")
  int maxHeaderSize;

  @Option(names = REQUEST_HEADER_TIMEOUT, order = 30, paramLabel = "DURATION",
      description = "HTTP: time a client may take to send a request head (then 408 and close), 1ms-1h. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration requestHeaderTimeout;

  @Option(names = FORWARDED_HEADERS, order = 31, paramLabel = "on|off",
      description = "HTTP: add X-Forwarded-For/-Proto/-Host and Forwarded. Default: ${DEFAULT-VALUE}.")
  String forwardedHeaders;

  @Option(names = VIA, order = 32, paramLabel = "on|off",
      description = "HTTP: add Via: 1.1 hprp to requests and responses. Default: ${DEFAULT-VALUE}.")
  String via;

  @Option(names = HASH_KEY, order = 33, paramLabel = "KEY",
      description = "What --balancer consistent-hash hashes: client-ip, header:NAME or cookie:NAME (http; the client "
          + "IP when absent). Default: ${DEFAULT-VALUE}.")
  String hashKey;
}
