package dev.hprp.proxy.impl;

import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import java.net.SocketAddress;

/**
 * What the listening side of every mode applies to a client connection around the relay: the proxy-wide connection
 * limit, the client timeout, and the PROXY protocol (reading the header from trusted sources, sending one to
 * backends). Shared by every event loop's server; thread-safe (immutable but for the settings a reload changes).
 */
public final class Edge {

  private final AcceptGate acceptGate;
  private volatile long clientTimeoutNanos;
  private final ProxyProtocolVersion sendProxy;
  private final boolean acceptProxy;
  private final TrustedProxies trustedProxies;

  Edge(AcceptGate acceptGate, long clientTimeoutNanos, ProxyProtocolOptions proxyProtocol) {
    this.acceptGate = acceptGate;
    this.clientTimeoutNanos = clientTimeoutNanos;
    this.sendProxy = proxyProtocol.getSend();
    this.acceptProxy = proxyProtocol.isAccept();
    this.trustedProxies = new TrustedProxies(proxyProtocol.getTrustedProxies());
  }

  /** The proxy-wide limit on client connections: each server counts its clients here. */
  public AcceptGate acceptGate() {
    return acceptGate;
  }

  /** A client that sends nothing (and gets nothing) for this long after being let in is closed; 0: never. */
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
