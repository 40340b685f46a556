package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.Upstream;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request in HTTP mode, from its head to the end of its response: gets a pooled backend connection from
 * the {@link UpstreamConnector} (which picks, connects and fails over), forwards the request with the header rules
 * applied, streams both bodies with backpressure, and answers 502, 503 or 504 itself when the backend cannot.
 *
 * <p>Confined to the event loop of the client connection (the {@link HttpClient} is that loop's), except
 * {@link #abort()}. A request whose backend connection failed before any byte of a response came back is retried when
 * its method is idempotent and no byte of its body was sent: on a reused connection (one the backend closed as idle
 * just as the request went out) up to {@value #MAX_STALE_RETRIES} times without a verdict on the backend's health, on
 * a new one once, counted as a failure; a failed connect is retried by the connector, whatever the method.
 * {@link Upstream#release} or {@link Upstream#releaseFailed} ends each upstream exactly once. Its fields hold what an
 * access-log line needs: method, URI, status, backend, attempts, bytes and times.
 */
final class HttpExchange implements UpstreamConnector.Attempt<HttpClientRequest> {

  private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);
  /** Marks a backend connection that has carried a request: a failure on it may be a close that crossed ours. */
  private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("hprp.used");
  /**
   * Retries on reused connections a request may make: a pooled connection the backend has just closed fails the
   * request before any byte comes back, and the next pooled one may have been closed in the same sweep.
   */
  private static final int MAX_STALE_RETRIES = 8;

  /**
   * What every exchange of one event loop shares. Immutable.
   *
   * @param context             the event loop's context, for {@link #abort()} from other threads
   * @param client              this event loop's client, whose pool holds its connections to every backend
   * @param obtainTimeoutMillis how long a request may wait for a pooled connection, connecting included
   * @param responseTimeoutMillis how long a backend may stay silent before the response head and during it
   * @param scheme              how clients reach the proxy, {@code http} or {@code https} (TLS terminated here): what
   *                            {@code X-Forwarded-Proto} and {@code Forwarded} tell backends
   */
  record Settings(Context context, HttpClient client, UpstreamConnector connector, long obtainTimeoutMillis,
      long responseTimeoutMillis, boolean forwardedHeaders, boolean via, boolean countServerErrors, String scheme) {
  }

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Settings settings;
  private final boolean webSocket;
  private final boolean chunkedBody;
  /** The request has a body to stream: chunked, or a {@code Content-Length} above zero. */
  private final boolean hasBody;
  /** The request's headers as forwarded: the client's, edited by the header rules once. */
  private final MultiMap forwarded;
  private final long startNanos = System.nanoTime();
  /** The client and the address it reached, as its connection's trusted PROXY header told them; null without one. */
  private final SocketAddress[] proxied;
  private Upstream upstream;
  private HttpClientRequest upstreamRequest;
  /** The reason the last dial failed without being the backend's fault (a busy pool); null otherwise. */
  private Throwable notBackendsFault;
  /** A byte of the request body went to a backend: the request can no longer be retried elsewhere. */
  private boolean bodyStreamed;
  /** The retry after a failure of a fresh connection was used. */
  private boolean retried;
  private int staleRetries;
  /** The current backend connection had carried a request before this one. */
  private boolean reused;
  /** The response head went to the client: failures from now on can only cut the connection. */
  private boolean responding;
  private boolean clientGone;
  private boolean finished;
  private int status;
  private long bodyBytesIn;
  private long bodyBytesOut;

  private HttpExchange(HttpServerRequest request, Settings settings) {
    this.request = request;
    this.response = request.response();
    this.settings = settings;
    MultiMap headers = request.headers();
    this.webSocket = HeaderRules.isWebSocketUpgrade(headers);
    String te = headers.get(HttpHeaders.TRANSFER_ENCODING);
    this.chunkedBody = te != null && te.toLowerCase().contains("chunked");
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    this.hasBody = chunkedBody || length != null && !length.equals("0");
    this.proxied = request.connection() instanceof ConnectionBase connection
        ? connection.channel().attr(HttpServerVerticle.PROXIED).get() : null;
    HeaderRules.removeHopByHop(headers);
    headers.remove(HeaderRules.EXPECT); // 100 Continue was the proxy's to answer, and it has
    if (webSocket) {
      headers.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
      headers.set(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET);
    }
    if (settings.forwardedHeaders()) {
      HeaderRules.addForwarded(headers, clientHost(), headers.get(HttpHeaders.HOST), settings.scheme());
    }
    if (settings.via()) {
      HeaderRules.addVia(headers, request.version());
    }
    this.forwarded = headers;
  }

  /** Takes over a request; call in the tick it arrived, before anything asynchronous. */
  static void start(HttpServerRequest request, Settings settings) {
    request.pause(); // its body waits in the socket until a backend is connected
    HttpExchange exchange = new HttpExchange(request, settings);
    exchange.response.closeHandler(v -> exchange.clientClosed());
    request.exceptionHandler(exchange::clientFailed);
    settings.connector().connect(exchange);
  }

  // ------------------------------------------------------------------------------------------ SelectionContext

  /** The client: as its connection's trusted PROXY header named it, else the connection's peer. */
  @Override
  public SocketAddress clientAddress() {
    return proxied != null ? proxied[0] : request.remoteAddress();
  }

  @Override
  public String header(String name) {
    return request.getHeader(name);
  }

  @Override
  public String cookie(String name) {
    Cookie cookie = request.getCookie(name);
    return cookie == null ? null : cookie.getValue();
  }

  // ------------------------------------------------------------------------------------------------ Attempt

  @Override
  public Future<HttpClientRequest> dial(Backend backend) {
    RequestOptions options = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(backend.port(), backend.host()))
        .setMethod(request.method())
        .setURI(request.uri())
        .setConnectTimeout(settings.obtainTimeoutMillis())
        .setIdleTimeout(settings.responseTimeoutMillis());
    Future<HttpClientRequest> requested = settings.client().request(options);
    Edge edge = settings.connector().edge();
    if (!UpstreamPreamble.needed(edge)) {
      return requested;
    }
    // A new connection begins with the PROXY header and the TLS handshake; a pooled one has had them.
    return requested.compose(outbound -> outbound.connection() instanceof ConnectionBase connection
        ? UpstreamPreamble.begin(outbound, connection.channel(), edge, clientAddress(),
            proxied != null ? proxied[1] : request.localAddress(), backend.host(), backend.port())
        // Never sent without them: plain text to a TLS backend, or requests it cannot attribute.
        : Future.failedFuture(new IllegalStateException("backend connection without a Netty channel")));
  }

  @Override
  public boolean backendFault(Throwable cause) {
    if (cause instanceof ConnectionPoolTooBusyException || cause instanceof TimeoutException) {
      notBackendsFault = cause;
      return false;
    }
    return true;
  }

  @Override
  public boolean wanted() {
    return !clientGone;
  }

  @Override
  public void failed(int attempts) {
    if (notBackendsFault instanceof ConnectionPoolTooBusyException) {
      answer(503, "backend busy: its connection pool and queue are full", notBackendsFault);
    } else if (notBackendsFault != null) {
      answer(503, "backend busy: no pooled connection within the queue timeout", notBackendsFault);
    } else {
      answer(503, "no backend could be connected (" + attempts + " attempt(s))", null);
    }
  }

  @Override
  public void queueTimedOut(int attempts) {
    answer(503, "backend busy: every backend stayed at its connection limit for the queue timeout", null);
  }

  @Override
  public void queueFull(int attempts) {
    answer(503, "backend busy: every backend is at its connection limit and the queue is full", null);
  }

  @Override
  public void discard(HttpClientRequest connection) {
    connection.reset();
  }

  @Override
  public void abort() {
    settings.context().runOnContext(v -> {
      if (upstreamRequest != null) {
        upstreamRequest.reset();
      }
      request.connection().close();
    });
  }

  @Override
  public void connected(Upstream upstream, HttpClientRequest outbound) {
    this.upstream = upstream;
    this.upstreamRequest = outbound;
    if (outbound.connection() instanceof ConnectionBase connection) {
      Attribute<Boolean> used = connection.channel().attr(USED);
      reused = used.get() != null;
      if (!reused) {
        used.set(Boolean.TRUE);
      }
    }
    if (clientGone) {
      outbound.reset();
      upstream.release(false);
      return;
    }
    MultiMap headers = outbound.headers();
    headers.setAll(forwarded);
    if (webSocket) {
      outbound.connect().onComplete(ar -> upgraded(outbound, ar));
      return;
    }
    outbound.response().onComplete(ar -> responded(outbound, ar));
    if (!hasBody) {
      outbound.end();
      request.resume(); // nothing to read but the end of the request
      return;
    }
    if (chunkedBody) {
      outbound.setChunked(true);
    }
    outbound.drainHandler(v -> request.resume());
    request.handler(this::bodyChunk);
    request.endHandler(v -> upstreamRequest.end());
    request.resume();
  }

  private void bodyChunk(Buffer chunk) {
    HttpClientRequest outbound = upstreamRequest;
    bodyStreamed = true;
    bodyBytesIn += chunk.length();
    upstream.sentToBackend(chunk.length());
    outbound.write(chunk);
    if (outbound.writeQueueFull()) {
      request.pause();
    }
  }

  // ---------------------------------------------------------------------------------------------- response

  private void responded(HttpClientRequest outbound, AsyncResult<HttpClientResponse> ar) {
    if (outbound != upstreamRequest || finished) {
      return; // a request given up already (retried, or the client left)
    }
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    HttpClientResponse in = ar.result();
    status = in.statusCode();
    if (clientGone) {
      outbound.reset();
      finish(null);
      return;
    }
    response.setStatusCode(status);
    response.setStatusMessage(in.statusMessage());
    MultiMap headers = response.headers();
    headers.setAll(in.headers());
    boolean lengthKnown = headers.contains(HttpHeaders.CONTENT_LENGTH);
    HeaderRules.removeHopByHop(headers);
    if (settings.via()) {
      HeaderRules.addVia(headers, in.version());
    }
    if (!lengthKnown && request.version() != HttpVersion.HTTP_1_0 && mayHaveBody(status)) {
      response.setChunked(true);
    }
    responding = true;
    // A refused upgrade's response, read by Vert.x as the answer to a tunnel request, never reports its end: it
    // ends with its Content-Length here, and the connection with it.
    long expected = webSocket && lengthKnown ? parseLength(headers.get(HttpHeaders.CONTENT_LENGTH)) : -1;
    if (webSocket) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
      if (expected == 0 || !mayHaveBody(status)) {
        response.end();
        outbound.reset();
        finish(null);
        return;
      }
    }
    response.drainHandler(v -> in.resume());
    in.handler(chunk -> {
      bodyBytesOut += chunk.length();
      upstream.receivedFromBackend(chunk.length());
      response.write(chunk);
      if (bodyBytesOut == expected) {
        response.end();
        outbound.reset();
        finish(null);
      } else if (response.writeQueueFull()) {
        in.pause();
      }
    });
    in.exceptionHandler(this::upstreamFailed);
    in.endHandler(v -> {
      if (!finished) {
        response.end();
        finish(null);
      }
    });
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private boolean mayHaveBody(int status) {
    return request.method() != HttpMethod.HEAD && status != 204 && status != 304 && status >= 200;
  }

  /**
   * The backend connection failed: before the response head, the client gets 502 or 504, or a retry when that is
   * safe; after it, the client's connection is cut, so the truncated response cannot pass for a whole one.
   */
  private void upstreamFailed(Throwable cause) {
    if (finished) {
      return;
    }
    if (responding) {
      if (log.isDebugEnabled()) {
        log.debug("{} {} {}: {} failed during the response: {}", clientAddress(), request.method(), request.uri(),
            upstream.backend(), cause.toString());
      }
      request.connection().close();
      finish(cause);
      return;
    }
    if (cause instanceof TimeoutException) {
      upstreamRequest.reset();
      answer(504, "backend " + upstream.backend().id() + " sent no response within "
          + settings.responseTimeoutMillis() + " ms", cause);
      return;
    }
    if (!bodyStreamed && isIdempotent(request.method())
        && (reused ? staleRetries < MAX_STALE_RETRIES : !retried)) {
      if (log.isDebugEnabled()) {
        log.debug("{} {} {}: {} failed before answering on a {} connection ({}); retrying", clientAddress(),
            request.method(), request.uri(), upstream.backend(), reused ? "reused" : "new", cause.toString());
      }
      Upstream failed = upstream;
      upstream = null;
      upstreamRequest = null;
      if (reused) {
        staleRetries++;
        failed.release(false); // most likely closed by the backend as idle: no verdict on its health
      } else {
        retried = true;
        failed.releaseFailed(cause);
      }
      settings.connector().connect(this);
      return;
    }
    answer(502, "backend " + upstream.backend().id() + " failed before a complete response: " + describe(cause),
        cause);
  }

  private static boolean isIdempotent(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
        || method == HttpMethod.TRACE || method == HttpMethod.PUT || method == HttpMethod.DELETE;
  }

  // ------------------------------------------------------------------------------------------------- client

  private void clientClosed() {
    if (finished || clientGone) {
      return;
    }
    clientGone = true;
    if (upstreamRequest != null) {
      upstreamRequest.reset(); // the backend connection is mid-exchange: it cannot go back to the pool
    }
    if (upstream != null) {
      finish(null);
    }
  }

  private void clientFailed(Throwable cause) {
    if (log.isDebugEnabled()) {
      log.debug("{} {} {}: client failed: {}", clientAddress(), request.method(), request.uri(), cause.toString());
    }
    clientClosed();
  }

  // ----------------------------------------------------------------------------------------------- websocket

  private void upgraded(HttpClientRequest outbound, AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    HttpClientResponse in = ar.result();
    if (in.statusCode() != 101) {
      responded(outbound, ar); // refused: the backend's answer goes to the client as any response
      return;
    }
    status = 101;
    responding = true;
    MultiMap headers = response.headers();
    for (Map.Entry<String, String> header : in.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
    WebSocketTunnel.open(request, in.netSocket(), upstream, this::tunnelClosed);
  }

  private void tunnelClosed(Throwable failure) {
    finished = true;
    upstream.release(false);
    if (failure != null && log.isDebugEnabled()) {
      log.debug("{} <-> {}: WebSocket tunnel failed: {}", clientAddress(), upstream.backend(), failure.toString());
    }
  }

  // ------------------------------------------------------------------------------------------------- endings

  /** Answers the client with a status of the proxy's own (502, 503, 504) and a short text naming the cause. */
  private void answer(int code, String text, Throwable cause) {
    status = code;
    if (log.isDebugEnabled()) {
      log.debug("{} {} {}: {} {}", clientAddress(), request.method(), request.uri(), code, text);
    }
    if (!clientGone && !response.headWritten()) {
      response.headers().clear();
      response.setStatusCode(code)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
      if (hasBody && !request.isEnded()) {
        // The rest of its body was never read: where the next request would begin is unknown.
        response.putHeader(HttpHeaders.CONNECTION, "close");
      }
      response.end(text + "\n");
    }
    finish(code == 503 ? null : cause);
  }

  /** The exchange is over: the upstream is released, as a failure to passive health where that applies. */
  private void finish(Throwable failure) {
    if (finished) {
      return;
    }
    finished = true;
    Upstream current = upstream;
    if (current == null) {
      return;
    }
    if (failure != null) {
      current.releaseFailed(failure);
    } else if (settings.countServerErrors() && status >= 500) {
      current.releaseFailed(new java.io.IOException("answered " + status));
    } else {
      current.release(false);
    }
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message != null ? message : cause.getClass().getSimpleName();
  }
}
