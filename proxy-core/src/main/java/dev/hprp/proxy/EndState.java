package dev.hprp.proxy;

/**
 * How a relayed connection ended, as told by its {@link ConnectionRecord}: HAProxy's termination state, as an enum.
 * Exactly one per connection: the first cause seen wins (a backend that closes, after which the client closes too,
 * ends {@link #BACKEND_CLOSED}).
 */
public enum EndState {
  /** The client closed its connection (a FIN or a close), or left before a backend was connected. */
  CLIENT_CLOSED,
  /** The backend closed its connection (a FIN or a close). */
  BACKEND_CLOSED,
  /** No traffic either way for the idle timeout: the proxy closed both sides. */
  IDLE_TIMEOUT,
  /** The client's socket failed: a reset, or a read or write error. */
  CLIENT_RESET,
  /** The backend's socket failed: a reset, or a read or write error. */
  BACKEND_RESET,
  /**
   * The proxy closed it at the end of a drain: a {@link ReverseProxy#removeBackend removal}'s drain timeout, the
   * {@link ReverseProxy#shutdown(java.time.Duration) shutdown}'s timeout, or {@link ReverseProxy#close()}.
   */
  DRAIN_TIMEOUT,
  /** No backend could be connected: every attempt failed, or none was available. */
  REFUSED,
  /**
   * An injected fault ({@link ReverseProxy#addFault}) ended it: {@link dev.hprp.proxy.fault.Fault#resetAfter} or
   * {@link dev.hprp.proxy.fault.Fault#closeAfter}. A connection {@link dev.hprp.proxy.fault.Fault#refuseFirst} refused
   * ends {@link #REFUSED}, its attempts failing with a {@link java.net.ConnectException} that names the fault.
   */
  FAULT,
  /**
   * Every eligible backend stayed at its connection limit for the whole queue timeout (or the queue was full): the
   * client waited and was closed without a backend.
   */
  QUEUE_TIMEOUT
}
