package dev.hprp.proxy.impl;

import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.SocketAddress;

/**
 * What the listening side of every mode applies to a client connection around the relay: the proxy-wide connection
 * limit, the client timeout, the PROXY protocol (reading the header from trusted sources, sending one to backends),
 * and TLS (terminating it, and originating it to backends). Shared by every event loop's server; thread-safe (immutable
 * but for the settings a reload changes).
 */
public final class Edge {

  private final AcceptGate acceptGate;
  private volatile long clientTimeoutNanos;
  private final ProxyProtocolVersion sendProxy;
  private final boolean acceptProxy;
  private final TrustedProxies trustedProxies;
  /** TLS termination's context, replaced by a certificate reload; null without TLS. */
  private volatile SslContext serverTls;
  /** TLS to the backends; null without. */
  private final SslContext backendTls;
  /** The name backend certificates are verified against (and sent as SNI); null: each backend's host. */
  private final String backendServerName;

  Edge(AcceptGate acceptGate, long clientTimeoutNanos, ProxyProtocolOptions proxyProtocol, SslContext serverTls,
      SslContext backendTls, String backendServerName) {
    this.acceptGate = acceptGate;
    this.clientTimeoutNanos = clientTimeoutNanos;
    this.sendProxy = proxyProtocol.getSend();
    this.acceptProxy = proxyProtocol.isAccept();
    this.trustedProxies = new TrustedProxies(proxyProtocol.getTrustedProxies());
    this.serverTls = serverTls;
    this.backendTls = backendTls;
    this.backendServerName = backendServerName;
  }

  /** TLS termination's context for a new client connection; null without TLS. */
  public SslContext serverTls() {
    return serverTls;
  }

  void serverTls(SslContext context) {
    this.serverTls = context;
  }

  /** TLS to the backends; null without. */
  public SslContext backendTls() {
    return backendTls;
  }

  /**
   * A new TLS client handler, for one connection to {@code backendHost:port}, from {@link #backendTls()} (call only
   * with backend TLS on): verified against the configured server name, else the host, which is sent as SNI (see
   * {@link TlsContexts#clientHandler}). Any thread.
   */
  public SslHandler backendTlsHandler(ByteBufAllocator alloc, String backendHost, int port) {
    return TlsContexts.clientHandler(backendTls, backendServerName, alloc, backendHost, port);
  }

  /** The proxy-wide limit on client connections: each server counts its clients here. */
  public AcceptGate acceptGate() {
    return acceptGate;
  }

  /**
   * TCP mode: a client that sends nothing (and gets nothing) for this long after being let in is closed; 0: never.
   * HTTP mode's request head timeout does this job there.
   */
  public long clientTimeoutNanos() {
    return clientTimeoutNanos;
  }

  void clientTimeoutNanos(long nanos) {
    this.clientTimeoutNanos = nanos;
  }

  /** The PROXY header to send backends before the client's bytes. */
  public ProxyProtocolVersion sendProxy() {
    return sendProxy;
  }

  /** Whether a connection from {@code peer} must begin with a PROXY header, which then tells its client's address. */
  public boolean readsProxyHeaderFrom(SocketAddress peer) {
    return acceptProxy && trustedProxies.trusts(peer);
  }
}
