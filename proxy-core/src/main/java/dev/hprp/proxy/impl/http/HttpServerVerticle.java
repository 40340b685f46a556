package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.impl.Connections;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.ProxyHeaderReader;
import dev.hprp.proxy.impl.ProxyServer;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http1ServerConfig;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.SocketAddressImpl;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * HTTP mode on one event loop: an {@link HttpServer} for clients and an {@link io.vertx.core.http.HttpClient} whose
 * pool holds this loop's share of the keep-alive connections to each backend, both on this verticle's event loop, so
 * a request and the backend connection serving it share a thread. The proxy deploys one instance per event loop on
 * the same port.
 *
 * <p>The pool is Vert.x's own: {@link PoolOptions#setHttp1MaxSize} connections per backend for this client (the
 * proxy's {@code poolSize} split over the event loops), {@link PoolOptions#setMaxWaitQueueSize} requests waiting for
 * one (the {@code poolQueue} split likewise), idle connections closed after the keep-alive timeout.
 *
 * <p>The {@link Edge} applies to each client connection as in TCP mode, before its first request is read: it counts
 * against the proxy-wide connection limit (at the limit the proxy stops accepting), its TLS is terminated by a Netty
 * {@code SslHandler} at the head of its pipeline (made from the edge's current context, so a certificate reload
 * reaches new connections; ALPN offers {@code http/1.1}), and from a trusted source its PROXY header is read before
 * the TLS handshake and the first request, its addresses kept on the connection ({@link #PROXIED}) for every request
 * it carries. The client timeout is TCP mode's: here the request head timeout and the idle timeout apply.
 *
 * <p>Each client connection is counted in the proxy's {@link dev.hprp.proxy.impl.Connections} from accept to close,
 * so a drain waits for it; the drain's deadline closes those left ({@link #closeConnections()}).
 */
public final class HttpServerVerticle extends VerticleBase implements ProxyServer {

  /**
   * On a client connection whose trusted PROXY header named a client: that client's address, then the address it
   * reached; absent otherwise (no header expected, or a {@code LOCAL}/{@code UNKNOWN} one). Set before the first
   * request is read, never changed.
   */
  static final AttributeKey<SocketAddress[]> PROXIED = AttributeKey.valueOf("hprp.proxied");
  /** Name of TLS termination's handler, at the head of a client connection's pipeline. */
  private static final String TLS_HANDLER_NAME = "hprp-tls";

  /** Response heads from backends may be larger than what clients may send: cookies, CSP and the like. */
  private static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;

  private final ReverseProxyOptions options;
  private final HttpOptions http;
  private final int port;
  private final UpstreamConnector connector;
  private final int poolSize;
  private final int poolQueue;
  private final boolean countServerErrors;
  private HttpServer server;
  private HttpClientAgent client;
  /** The client connections open now; confined to this verticle's event loop, where they all live. */
  private final Set<Channel> open = new HashSet<>();

  /**
   * @param port              the port to bind, or Vert.x's negative "shared ephemeral port" number
   * @param poolSize          this event loop's connections per backend, at least 1
   * @param poolQueue         this event loop's requests waiting per backend, at least 1
   * @param countServerErrors whether a backend's 5xx counts as a failure for passive health
   */
  public HttpServerVerticle(ReverseProxyOptions options, HttpOptions http, int port, UpstreamConnector connector,
      int poolSize, int poolQueue, boolean countServerErrors) {
    this.options = options;
    this.http = http;
    this.port = port;
    this.connector = connector;
    this.poolSize = poolSize;
    this.poolQueue = poolQueue;
    this.countServerErrors = countServerErrors;
  }

  @Override
  public Future<?> start() {
    client = vertx.httpClientBuilder()
        .with(new HttpClientOptions()
            .setConnectTimeout((int) options.getConnectTimeout().toMillis())
            .setKeepAlive(true)
            .setKeepAliveTimeout((int) http.getKeepAliveTimeout().toSeconds())
            .setPipelining(false)
            .setTcpNoDelay(true)
            .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE))
        .with(new PoolOptions()
            .setHttp1MaxSize(poolSize)
            .setMaxWaitQueueSize(poolQueue)
            .setCleanerPeriod(1000))
        // A backend connection's failure is the failure of the request it carries, answered and recorded there (a
        // failed TLS handshake, a reset); without a handler Vert.x would log each as an error besides.
        .withConnectHandler(backend -> backend.exceptionHandler(ignored -> { }))
        .build();
    HttpExchange.Settings settings = new HttpExchange.Settings(context, client, connector,
        http.getPoolQueueTimeout().plus(options.getConnectTimeout()).toMillis(),
        new ResponseDeadlines(((ContextInternal) context).nettyEventLoop(), http.getResponseTimeout().toMillis()),
        http.isForwardedHeaders(), http.isVia(), countServerErrors,
        // updateTls only replaces a certificate: whether the proxy terminates TLS is fixed when it is built.
        connector.edge().serverTls() != null ? "https" : "http");
    Http1ServerConfig decoding = new Http1ServerConfig()
        .setMaxHeaderSize(http.getMaxHeaderSize())
        .setMaxInitialLineLength(http.getMaxHeaderSize())
        .setMaxChunkSize(HttpServerOptions.DEFAULT_MAX_CHUNK_SIZE)
        .setDecoderInitialBufferSize(HttpServerOptions.DEFAULT_DECODER_INITIAL_BUFFER_SIZE);
    long headTimeoutNanos = http.getRequestHeaderTimeout().toNanos();
    server = vertx.createHttpServer(new HttpServerOptions()
            .setTcpNoDelay(true)
            .setAcceptBacklog(4096)
            .setMaxHeaderSize(http.getMaxHeaderSize())
            .setMaxInitialLineLength(http.getMaxHeaderSize())
            // The proxy answers 100 Continue itself and drops Expect: a backend that ignores it cannot stall
            // the upload (curl waits a second for a 100 that never comes), as nginx does.
            .setHandle100ContinueAutomatically(true)
            .setHttp2ClearTextEnabled(false) // an Upgrade: h2c is a header to drop, not an offer to take
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            // A WebSocket's extensions are the backend's to negotiate (the tunnel passes the offer and the answer
            // on): without these, Vert.x's extension handler inspects every request for an offer, for nothing.
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            // Every exchange lives on its connection's event loop (HttpExchange), so responses are written
            // straight to the channel instead of through a queue that hands writes from other threads over.
            .setStrictThreadMode(true)
            .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, options.getIdleTimeout().toMillis()))
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectionHandler(connection -> {
          accept(connection, decoding, headTimeoutNanos);
          track(connection);
        })
        .invalidRequestHandler(request -> InvalidRequests.answer(request, connector.connections()))
        .requestHandler(request -> HttpExchange.start(request, settings));
    // Built directly: SocketAddress.inetSocketAddress refuses the negative "shared ephemeral port" number, which
    // Vert.x's server sharing understands (each server on port 0 would bind a port of its own).
    return server.listen(new SocketAddressImpl(port, options.getHost()));
  }

  /**
   * Sets a new client connection up before it reads a byte (Vert.x calls this as the connection is made, and reads
   * nothing before): the strict decoder (a request with both {@code Content-Length} and {@code Transfer-Encoding} is
   * refused, not repaired) and the edge: TLS, the connection limit, then, once the limit lets the connection in, the
   * request head timeout and the PROXY header.
   */
  private void accept(HttpConnection connection, Http1ServerConfig decoding, long headTimeoutNanos) {
    if (!(connection instanceof ConnectionBase base)) {
      connection.close(); // never served around the edge: unencrypted on a TLS port, or beyond the limit
      return;
    }
    Channel channel = base.channel();
    ChannelPipeline pipeline = channel.pipeline();
    boolean http1 = pipeline.get(StrictRequestDecoder.VERTX_DECODER) != null;
    if (http1) {
      pipeline.replace(StrictRequestDecoder.VERTX_DECODER, StrictRequestDecoder.VERTX_DECODER,
          new StrictRequestDecoder(decoding));
    }
    // Nothing is read until the connection limit lets it in and its PROXY header, if any, is read. Auto-read is
    // turned off only when one of them must wait: off and on again for every new connection cost a quarter more CPU
    // per request on `close` on io_uring (benchmark/results/2026-11-30T1632Z-vm.md).
    Edge edge = connector.edge();
    boolean proxyHeader = edge.readsProxyHeaderFrom(channel.remoteAddress());
    if (proxyHeader) {
      channel.config().setAutoRead(false);
    }
    SslContext tls = edge.serverTls();
    if (tls != null) {
      // At the head: the decoder, the head timeout and the WebSocket tunnel all see decrypted bytes. A PROXY header
      // goes before it, as on the wire.
      pipeline.addFirst(TLS_HANDLER_NAME, tls.newHandler(channel.alloc()));
    }
    boolean startedNow = edge.acceptGate().admit(channel, () -> {
      if (http1) {
        // From the admission, as TCP mode's client timeout: a connection held at the limit is not timed meanwhile.
        HeadTimeout.install(pipeline, headTimeoutNanos, connector.connections());
      }
      if (proxyHeader) {
        ProxyHeaderReader.read(channel, (source, destination) -> {
          if (source != null) {
            channel.attr(PROXIED).set(new SocketAddress[] {source, destination});
          }
          channel.config().setAutoRead(true);
        });
      } else {
        channel.config().setAutoRead(true); // on already, unless it was held
      }
    });
    if (!startedNow) {
      // Beyond the limit (one accept batch's overshoot) it waits, unread, for a connection to close. Nothing was read
      // yet: Vert.x reads nothing before this handler returns.
      channel.config().setAutoRead(false);
    }
  }

  /**
   * Counts a client connection as open until its channel closes (a WebSocket tunnel included, which outlives the
   * HTTP connection object). One accepted as a shutdown begins, before the server stopped accepting, is closed at
   * once: Vert.x's shutdown has passed over the connections it knew.
   */
  private void track(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel channel = base.channel();
    Connections connections = connector.connections();
    connections.opened();
    open.add(channel);
    channel.closeFuture().addListener(f -> {
      open.remove(channel);
      connections.closed(null);
    });
    if (connections.refusing()) {
      channel.close();
    }
  }

  /**
   * Stops accepting; Vert.x closes idle keep-alive connections at once and each other one once its response is
   * complete (the exchange has marked that response {@code Connection: close}), until {@code timeout}.
   */
  @Override
  public Future<Void> shutdown(Duration timeout) {
    return server.shutdown(timeout);
  }

  @Override
  public void closeConnections() {
    context.runOnContext(v -> List.copyOf(open).forEach(Channel::close));
  }

  @Override
  public int actualPort() {
    return server.actualPort();
  }
}
