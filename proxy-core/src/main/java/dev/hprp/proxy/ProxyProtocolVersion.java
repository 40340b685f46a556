package dev.hprp.proxy;

/**
 * Which PROXY protocol header (HAProxy's, {@code doc/proxy-protocol.txt}) the proxy sends a backend first, telling it
 * the client's address.
 */
public enum ProxyProtocolVersion {
  /** No header: the backend sees the proxy's address. */
  NONE,
  /** The text header, {@code PROXY TCP4 192.0.2.7 198.51.100.1 52000 8080\r\n}. */
  V1,
  /** The binary header. */
  V2
}
