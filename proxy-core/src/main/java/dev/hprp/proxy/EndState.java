package dev.hprp.proxy;

/**
 * How a relayed connection (TCP mode) or a request (HTTP mode) ended, as told by its {@link ConnectionRecord}:
 * HAProxy's termination state, as an enum. Exactly one per connection or request: the first cause seen wins (a
 * backend that closes, after which the client closes too, ends {@link #BACKEND_CLOSED}).
 *
 * <p>In HTTP mode a request whose response went out whole ends {@link #COMPLETED}; one the proxy answered itself ends
 * {@link #REFUSED} (503, no backend could be connected), {@link #QUEUE_TIMEOUT} (503, the pool's queue full or timed
 * out), {@link #RESPONSE_TIMEOUT} (504), {@link #BACKEND_CLOSED} or {@link #BACKEND_RESET} (502, or a response cut
 * after its head), {@link #FAULT} (an HTTP fault); one whose client left first ends {@link #CLIENT_CLOSED} or
 * {@link #CLIENT_RESET}; one cut by a drain's deadline {@link #DRAIN_TIMEOUT}.
 */
public enum EndState {
  /**
   * HTTP mode: the response went to the client whole (a WebSocket tunnel: both sides closed and neither reported an
   * error; one whose side reported its close ends as that side's close says). Never in TCP mode.
   */
  COMPLETED,
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
   * HTTP mode: the backend sent no response head within the response timeout; the proxy answered 504. Never in TCP
   * mode.
   */
  RESPONSE_TIMEOUT,
  /**
   * HTTP mode: the proxy refused the request head itself and closed the connection, no backend sought: 400 for a
   * malformed one, 414 for a request line too long, 431 for a head too large, 408 for a head not complete within the
   * request header timeout. Its record's method and URI are {@code -}. Never in TCP mode.
   */
  BAD_REQUEST,
  /**
   * An injected fault ({@link ReverseProxy#addFault}) ended it: {@link dev.hprp.proxy.fault.Fault#resetAfter} or
   * {@link dev.hprp.proxy.fault.Fault#closeAfter}; in HTTP mode {@link dev.hprp.proxy.fault.Fault#httpStatus} (the
   * proxy answered in the backend's place) or {@link dev.hprp.proxy.fault.Fault#abortAfterHeaders}. A connection
   * {@link dev.hprp.proxy.fault.Fault#refuseFirst} refused ends {@link #REFUSED}, its attempts failing with a
   * {@link java.net.ConnectException} that names the fault.
   */
  FAULT,
  /**
   * Every eligible backend stayed at its connection limit for the whole queue timeout (or the queue was full): the
   * client waited and was closed without a backend. In HTTP mode also: the backend's connection pool and its queue
   * were full, or no pooled connection came within the pool queue timeout (the proxy answered 503).
   */
  QUEUE_TIMEOUT
}
