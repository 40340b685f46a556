/**
 * HTTP mode (internal): {@link dev.hprp.proxy.impl.http.HttpServerVerticle}, one per event loop, with a Vert.x
 * {@code HttpServer} for clients and an {@code HttpClient} whose pool holds that loop's keep-alive connections to
 * each backend; {@code HttpExchange} forwards one request through the shared
 * {@link dev.hprp.proxy.impl.UpstreamConnector} (pick, connect, fail over, passive health), with the header rules,
 * streamed bodies and the proxy's own 502/503/504; {@code WebSocketTunnel} relays an upgraded connection; the client
 * side is guarded by a strict request decoder (no {@code Content-Length} with {@code Transfer-Encoding}) and a request
 * head timeout. The {@link dev.hprp.proxy.impl.Edge} applies as in TCP mode: each client connection counts against the
 * connection limit and has its TLS terminated and its PROXY header read in its own pipeline before its first request;
 * {@code UpstreamPreamble} begins each new pooled backend connection with the PROXY header and the TLS handshake.
 */
package dev.hprp.proxy.impl.http;
