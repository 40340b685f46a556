package dev.hprp.proxy;

/**
 * Told of every relayed connection (TCP mode) or request (HTTP mode) once it has ended, with its
 * {@link ConnectionRecord}: an access log, a connection journal, assertions in tests. Register one with
 * {@link ReverseProxyBuilder#onConnection}.
 *
 * <p>Called on the connection's event loop, once per connection, after both of its sockets have closed (HTTP mode:
 * once per request, when its response has ended, its client connection maybe going on): return quickly and never
 * block (hand the record to a queue for slow work). An exception thrown is logged and ignored. A
 * proxy with no listener builds no record at all.
 */
@FunctionalInterface
public interface ConnectionListener {

  /** One ended connection or request; never null. */
  void onConnection(ConnectionRecord record);
}
