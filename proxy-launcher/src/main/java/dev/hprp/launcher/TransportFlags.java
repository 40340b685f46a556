package dev.hprp.launcher;

import dev.hprp.proxy.ReverseProxyOptions;
import java.util.Map;
import picocli.CommandLine.Option;

/** The threads and I/O transport that accept and relay. Collects the flags' values. */
final class TransportFlags {

  static final String EVENT_LOOPS = "--event-loops";
  static final String TRANSPORT = "--transport";

  /** The transport when {@code --transport} is not given. */
  static final TransportChoice DEFAULT_TRANSPORT = TransportChoice.AUTO;

  /** What {@code --help} shows for each flag not given: the core's defaults where it has them. */
  static final Map<String, String> DEFAULTS = Map.of(
      EVENT_LOOPS, String.valueOf(ReverseProxyOptions.DEFAULT_EVENT_LOOPS),
      TRANSPORT, DEFAULT_TRANSPORT.toString());

  @Option(names = EVENT_LOOPS, order = 60, paramLabel = "N",
      description = "Event loops (threads) accepting and relaying, 1-1024. Default: ${DEFAULT-VALUE} (the CPU count).")
  int eventLoops;

  @Option(names = TRANSPORT, order = 61, paramLabel = "NAME", converter = TransportChoice.Converter.class,
      completionCandidates = TransportChoice.Converter.class,
      description = "I/O transport: ${COMPLETION-CANDIDATES}; auto takes io_uring where the kernel allows it, "
          + "else epoll, else nio. Default: ${DEFAULT-VALUE}.")
  TransportChoice transport;
}
