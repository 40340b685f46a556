package dev.hprp.proxy.balancer;

import io.vertx.core.net.SocketAddress;

/**
 * What a {@link BackendSelector} knows about the connection being placed.
 *
 * <p>Immutable; created by the proxy once per client connection (TCP mode) or request (HTTP mode) and passed to every
 * attempt. Called on the event loop of that connection; its methods are cheap and never block.
 */
public interface SelectionContext {

  /**
   * The client's remote address, as accepted by the proxy; never null for proxied connections (tests may use
   * {@link #of(SocketAddress)} with any address).
   */
  SocketAddress clientAddress();

  /**
   * The client's IP address as text, as {@link java.net.InetAddress#getHostAddress()} writes it ({@code 10.0.0.7},
   * {@code 0:0:0:0:0:0:0:1}), the usual key of consistent hashing; never null, empty when unknown.
   */
  default String clientHost() {
    String host = clientAddress().hostAddress();
    return host != null ? host : "";
  }

  /**
   * The value of the request header {@code name} (case-insensitive; the first when repeated), for balancing on it in
   * HTTP mode; null when absent, and always null in TCP mode, where there is no request.
   */
  default String header(String name) {
    return null;
  }

  /**
   * The value of the request cookie {@code name} (case-sensitive, as cookie names are), in HTTP mode; null when
   * absent, and always null in TCP mode.
   */
  default String cookie(String name) {
    return null;
  }

  /** A context for the given client address; for tests and embedders that select outside the proxy. */
  static SelectionContext of(SocketAddress clientAddress) {
    java.util.Objects.requireNonNull(clientAddress, "clientAddress");
    return () -> clientAddress;
  }
}
