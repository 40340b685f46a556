package dev.hprp.proxy.impl;

import io.vertx.core.Future;
import java.time.Duration;

/** One event loop's server of either mode, as the running proxy sees it: its port, and its drain. */
public interface ProxyServer {

  /** The bound port; valid once started. */
  int actualPort();

  /**
   * Stops accepting at once; open connections go on until they end or {@code timeout} is over, when Vert.x closes
   * what is left.
   */
  Future<Void> shutdown(Duration timeout);
}
