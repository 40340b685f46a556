package dev.hprp.proxy.impl;

import java.util.function.LongConsumer;

/**
 * The live counters of one backend, as the metrics binder reads them: the very counters the balancers and
 * {@code backends()} read, never a second bookkeeping. Internal: may change without notice.
 *
 * <p>Thread-safe; every read is lock-free.
 */
public interface BackendCounters {

  /** The backend's id, {@code host:port}. */
  String id();

  /** Takes new connections: admitted, enabled, not leaving, UP. */
  boolean eligible();

  /** Client connections relayed to it now. */
  int activeConnections();

  /** Client connections relayed to it since it was added. */
  long totalConnections();

  /** Failed connect attempts since it was added. */
  long failedConnects();

  /** Bytes relayed from clients to it. */
  long bytesToBackend();

  /** Bytes relayed from it to clients. */
  long bytesFromBackend();

  /** Times passive health ejected it. */
  long ejections();

  /**
   * Sets what is told each successful connect's duration, in nanoseconds, on the connection's event loop (it must
   * not block); null for nothing. One at a time: a new one replaces the previous.
   */
  void connectTimer(LongConsumer timer);
}
