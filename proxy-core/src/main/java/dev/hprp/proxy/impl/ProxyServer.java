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

  /**
   * The drain's deadline has passed: closes every client connection of this server still open, whatever it is doing,
   * from any thread. TCP mode's relays need nothing of it (each closes itself when its backend's connections are
   * aborted, or when it connects after the deadline); HTTP mode closes idle and waiting connections too.
   */
  default void closeConnections() {
  }
}
