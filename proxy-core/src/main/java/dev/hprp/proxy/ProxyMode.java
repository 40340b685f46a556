package dev.hprp.proxy;

import java.util.Locale;

/**
 * What a {@link ReverseProxy} balances: whole TCP connections, or HTTP requests.
 *
 * <p>{@link #TCP} (the default) relays each client connection, bytes as they are, to one backend for its lifetime:
 * any protocol, the least work per byte, but one client connection stays on one backend. {@link #HTTP} parses
 * HTTP/1.x and sends each request to the backend its balancer picks, over keep-alive connections pooled per backend
 * ({@link ReverseProxyOptions#setPoolSize}), with forwarded headers, WebSocket upgrades and proper error statuses
 * (see {@link HttpOptions}).
 */
public enum ProxyMode {
  /** Layer 4: a client connection is relayed to one backend, byte for byte. */
  TCP,
  /** Layer 7: each HTTP request is balanced on its own, over pooled keep-alive backend connections. */
  HTTP;

  /** The name the {@code hprp} command's {@code --mode} flag takes: {@code tcp} or {@code http}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
