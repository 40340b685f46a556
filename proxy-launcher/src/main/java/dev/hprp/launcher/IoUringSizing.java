package dev.hprp.launcher;

import dev.hprp.proxy.ReverseProxyOptions;

/**
 * Sizes io_uring's completion queue for the connections the proxy may hold. Netty's default (4,096 entries per event
 * loop) overflowed with 12,000 idle clients here: Netty then logs {@code CompletionQueue overflow} and the kernel
 * holds the surplus completions aside (no loss on Linux 5.5+, but a slower path). Each socket has up to two operations
 * outstanding (a receive and a send or poll), and a relayed connection is two sockets, so a loop needs about
 * {@code 4 × connections / loops} entries when all of them complete at once.
 *
 * <p>Set as Netty's own system property {@code io.netty.iouring.cqSize}, which its io_uring classes read once when
 * loaded: so before the transport is resolved, and only when the user has not set it ({@code -D} wins).
 */
final class IoUringSizing {

  static final String CQ_SIZE = "io.netty.iouring.cqSize";
  /** Netty's default. */
  static final int MIN_CQ_SIZE = 4096;
  /** The kernel's largest completion queue ({@code IORING_MAX_CQ_ENTRIES}). */
  static final int MAX_CQ_SIZE = 65536;

  private IoUringSizing() {
  }

  /** Sets the completion queue size for {@code options}' connection limit, unless already set. */
  static void apply(ReverseProxyOptions options) {
    if (System.getProperty(CQ_SIZE) == null) {
      System.setProperty(CQ_SIZE, String.valueOf(cqSize(options.getMaxConnections(), options.getEventLoops())));
    }
  }

  /**
   * The completion queue entries per event loop for {@code maxConnections} over {@code eventLoops}: a power of two,
   * {@value #MIN_CQ_SIZE}-{@value #MAX_CQ_SIZE}; the most for no limit (0).
   */
  static int cqSize(int maxConnections, int eventLoops) {
    if (maxConnections == 0) {
      return MAX_CQ_SIZE;
    }
    long wanted = 4L * maxConnections / eventLoops;
    int size = MIN_CQ_SIZE;
    while (size < wanted && size < MAX_CQ_SIZE) {
      size <<= 1;
    }
    return size;
  }
}
