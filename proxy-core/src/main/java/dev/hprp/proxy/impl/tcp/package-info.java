/**
 * TCP mode (internal): {@link dev.hprp.proxy.impl.tcp.TcpServerVerticle}, one per event loop, accepting clients;
 * {@code TcpRelay} relays each to a backend got through the shared {@link dev.hprp.proxy.impl.UpstreamConnector};
 * {@code PreconnectPool} keeps connections opened in advance when the pool size is above 0.
 */
package dev.hprp.proxy.impl.tcp;
