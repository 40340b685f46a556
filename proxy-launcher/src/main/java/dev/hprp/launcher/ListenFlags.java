package dev.hprp.launcher;

import dev.hprp.proxy.ReverseProxyOptions;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the proxy listens. Collects the flags' values; {@link HprpCommand#settings()} applies them. */
final class ListenFlags {

  static final String PORT = "--port";
  static final String HOST = "--host";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      PORT, String.valueOf(ReverseProxyOptions.DEFAULT_PORT),
      HOST, ReverseProxyOptions.DEFAULT_HOST);

  @Option(names = PORT, order = 10, paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one, shown at start-up. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = HOST, order = 11, paramLabel = "ADDRESS",
      description = "Address to listen on. Default: ${DEFAULT-VALUE} (every interface).")
  String host;
}
