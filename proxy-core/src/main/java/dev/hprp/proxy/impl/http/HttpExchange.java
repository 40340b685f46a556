package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.impl.ActiveFault;
import dev.hprp.proxy.impl.Connections;
import dev.hprp.proxy.impl.HttpStats;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.Upstream;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClosedException;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * {@link Upstream#release} or {@link Upstream#releaseFailed} ends each upstream exactly once.
 *
 * <p>Each exchange ends exactly once ({@link #end}), whichever way: the request is counted for the metrics and, when
 * a listener wants it, its {@link ConnectionRecord} is built then, with the attempts of every upstream it took. The
 * HTTP faults ({@link Fault#httpStatus}, {@link Fault#abortAfterHeaders}) meet a request when its backend is picked.
 * While the proxy drains, a response whose head has not gone out gets {@code Connection: close}.
 */
final class HttpExchange extends ResponseDeadlines.Waiting implements UpstreamConnector.Attempt<HttpClientRequest> {

  private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);
  /** Marks a backend connection that has carried a request: a failure on it may be a close that crossed ours. */
  private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("hprp.used");
  /**
   * Retries on reused connections a request may make: a pooled connection the backend has just closed fails the
   * request before any byte comes back, and the next pooled one may have been closed in the same sweep.
   */
  private static final int MAX_STALE_RETRIES = 8;

  /**
   * The exception handler of a backend request, and of its response where the exchange resets it before giving it one
   * of its own. Their failures reach the exchange already, through the response's future and the response's handler
   * or, after an upgrade, through the tunnel: the second report, unhandled, Vert.x would log as an error, at every
   * WebSocket's end and every reset the proxy makes.
   */
  private static final Handler<Throwable> REPORTED_ELSEWHERE = ignored -> { };

  /**
   * What every exchange of one event loop shares. Immutable.
   *
   * @param context             the event loop's context, for {@link #abort()} from other threads
   * @param client              this event loop's client, whose pool holds its connections to every backend
   * @param obtainTimeoutMillis how long a request may wait for a pooled connection, connecting included
   * @param responseDeadlines   this event loop's response timeout: how long a backend may take, from the request's
   *                            dispatch, to answer with a response head, and then stall in its body
   * @param scheme              how clients reach the proxy, {@code http} or {@code https} (TLS terminated here): what
   *                            {@code X-Forwarded-Proto} and {@code Forwarded} tell backends
   */
  record Settings(Context context, HttpClient client, UpstreamConnector connector, long obtainTimeoutMillis,
      ResponseDeadlines responseDeadlines, boolean forwardedHeaders, boolean via, boolean countServerErrors,
      String scheme) {
  }

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Settings settings;
  private final boolean webSocket;
  private final boolean chunkedBody;
  /** The request has a body to stream: chunked, or a {@code Content-Length} above zero. */
  private final boolean hasBody;
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
  /** The status sent to the client; 0 until a head went out. */
  private int status;
  /** Response body bytes sent to the client: where a refused upgrade's response ends. */
  private long bodyBytesOut;
  /** The exchange has been counted and recorded: {@link #end} ran. */
  private boolean ended;
  /** The upstream of the current connect, from its first attempt: where the attempts of the last one are read. */
  private Upstream connecting;
  /** When recording: the attempts of the upstreams given up before the current one (retries); null until one. */
  private List<ConnectionRecord.Attempt> earlierAttempts;
  /** When the response head came from the backend ({@link System#nanoTime()}); 0 until then. */
  private long headNanos;
  /** The client's connection failed (a reset, or a read or write error) rather than closed. */
  private boolean clientFailed;
  /** {@link #abort()} closed the exchange: a drain's deadline, or a removal's. */
  private boolean aborted;
  /** The HTTP faults this request met, whether they acted or not; null until the first. */
  private List<ActiveFault> metFaults;
  /** The {@link Fault#abortAfterHeaders} fault acting on this request; null when none. */
  private ActiveFault abortAfterHeaders;
  /** The backend an {@link Fault#httpStatus} fault answered for; null when none did. */
  private Backend answeredFor;

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
  }

  /** Puts the request's headers as forwarded into {@code out}: the client's, edited by the header rules. */
  private void forwardHeaders(MultiMap out) {
    HeaderRules.copyEndToEnd(request.headers(), out, true);
    if (webSocket) {
      out.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
      out.set(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET);
    }
    if (settings.forwardedHeaders()) {
      HeaderRules.addForwarded(out, clientHost(), request.headers().get(HttpHeaders.HOST), settings.scheme());
    }
    if (settings.via()) {
      HeaderRules.addVia(out, request.version());
    }
  }

  /** Takes over a request; call in the tick it arrived, before anything asynchronous. */
  static void start(HttpServerRequest request, Settings settings) {
    HttpExchange exchange = new HttpExchange(request, settings);
    if (exchange.hasBody || exchange.webSocket) {
      request.pause(); // its body, or a tunnel's first frames, wait in the socket until a backend is connected
    }
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
  public void started(Upstream upstream) {
    connecting = upstream;
  }

  @Override
  public Future<HttpClientRequest> dial(Backend backend) {
    ActiveFault[] faults = settings.connector().faults().active();
    if (faults.length != 0) {
      FaultAnswer answer = meetFaults(faults, backend);
      if (answer != null) {
        return Future.failedFuture(answer);
      }
    }
    RequestOptions options = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(backend.port(), backend.host()))
        .setMethod(request.method())
        .setURI(request.uri())
        .setConnectTimeout(settings.obtainTimeoutMillis());
    HttpStats stats = settings.connector().connections().http();
    stats.poolWaitBegan();
    Future<HttpClientRequest> requested = settings.client().request(options);
    requested.onComplete(ar -> stats.poolWaitEnded());
    Edge edge = settings.connector().edge();
    if (!UpstreamPreamble.needed(edge)) {
      return requested;
    }
    // A new connection begins with the PROXY header and the TLS handshake; a pooled one has had them.
    return requested.compose(outbound -> UpstreamPreamble.begin(outbound, edge, clientAddress(),
        proxied != null ? proxied[1] : request.localAddress(), backend.host(), backend.port()));
  }

  /**
   * Meets the HTTP faults this request has not met yet that may act on {@code backend}: each decides once per request
   * whether it acts.
   *
   * @return the answer of an {@link Fault#httpStatus} fault that acts, or null
   */
  private FaultAnswer meetFaults(ActiveFault[] faults, Backend backend) {
    for (ActiveFault fault : faults) {
      if (!fault.effect().onRequest() || fault.otherBackend(backend)
          || metFaults != null && metFaults.contains(fault)) {
        continue;
      }
      if (metFaults == null) {
        metFaults = new ArrayList<>(2);
      }
      metFaults.add(fault);
      if (fault.meet(clientAddress(), backend) == ActiveFault.PASSES) {
        continue;
      }
      fault.acted();
      if (fault.effect() instanceof Fault.HttpStatus answer) {
        answeredFor = backend;
        return new FaultAnswer(fault, answer.status());
      }
      abortAfterHeaders = fault;
    }
    return null;
  }

  /**
   * An {@link Fault#httpStatus} fault took the request over: the dial "fails" with it, which is not the backend's
   * fault, so the connector ends the attempts at once ({@link #failed}) and the fault's status is answered there.
   */
  private static final class FaultAnswer extends Exception {

    final int status;

    FaultAnswer(ActiveFault fault, int status) {
      super(fault.toString(), null, false, false); // never thrown: no stack trace to fill
      this.status = status;
    }
  }

  @Override
  public boolean backendFault(Throwable cause) {
    if (cause instanceof FaultAnswer || cause instanceof ConnectionPoolTooBusyException
        || cause instanceof TimeoutException) {
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
    if (notBackendsFault instanceof FaultAnswer fault) {
      answer(fault.status, fault.getMessage(), null, EndState.FAULT);
    } else if (notBackendsFault instanceof ConnectionPoolTooBusyException) {
      answer(503, "backend busy: its connection pool and queue are full", notBackendsFault,
          EndState.QUEUE_TIMEOUT);
    } else if (notBackendsFault != null) {
      answer(503, "backend busy: no pooled connection within the queue timeout", notBackendsFault,
          EndState.QUEUE_TIMEOUT);
    } else {
      answer(503, "no backend could be connected (" + attempts + " attempt(s))", null, EndState.REFUSED);
    }
  }

  @Override
  public void abandoned() {
    end(clientEnd()); // the client left while a backend was being connected
  }

  @Override
  public void queueTimedOut(int attempts) {
    answer(503, "backend busy: every backend stayed at its connection limit for the queue timeout", null,
        EndState.QUEUE_TIMEOUT);
  }

  @Override
  public void queueFull(int attempts) {
    answer(503, "backend busy: every backend is at its connection limit and the queue is full", null,
        EndState.QUEUE_TIMEOUT);
  }

  @Override
  public void discard(HttpClientRequest connection) {
    connection.exceptionHandler(REPORTED_ELSEWHERE).reset();
  }

  @Override
  public void abort() {
    settings.context().runOnContext(v -> {
      aborted = true;
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
    outbound.exceptionHandler(REPORTED_ELSEWHERE);
    if (outbound.connection() instanceof ConnectionBase connection) {
      Attribute<Boolean> used = connection.channel().attr(USED);
      reused = used.get() != null;
      if (!reused) {
        used.set(Boolean.TRUE);
      }
    }
    if (clientGone) {
      outbound.reset();
      finish(null, clientEnd());
      return;
    }
    forwardHeaders(outbound.headers());
    settings.responseDeadlines().start(this);
    if (webSocket) {
      outbound.connect().onComplete(ar -> upgraded(outbound, ar));
      return;
    }
    outbound.response().onComplete(ar -> responded(outbound, ar));
    if (!hasBody) {
      outbound.end();
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

  @Override
  void responseTimedOut() {
    if (upstreamRequest != null && !finished) {
      upstreamFailed(new TimeoutException(responding ? "the response stalled" : "no response head"));
    }
  }

  private void bodyChunk(Buffer chunk) {
    HttpClientRequest outbound = upstreamRequest;
    bodyStreamed = true;
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
    settings.responseDeadlines().stop(this);
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    HttpClientResponse in = ar.result();
    in.exceptionHandler(REPORTED_ELSEWHERE); // until the body's relay sets its own
    headNanos = System.nanoTime();
    if (clientGone) {
      outbound.reset();
      finish(null, clientEnd());
      return;
    }
    status = in.statusCode();
    response.setStatusCode(status);
    response.setStatusMessage(in.statusMessage());
    MultiMap headers = response.headers();
    HeaderRules.copyEndToEnd(in.headers(), headers, false);
    boolean lengthKnown = headers.contains(HttpHeaders.CONTENT_LENGTH);
    if (settings.via()) {
      HeaderRules.addVia(headers, in.version());
    }
    if (!lengthKnown && request.version() != HttpVersion.HTTP_1_0 && mayHaveBody(status)) {
      response.setChunked(true);
    }
    closeIfDraining();
    responding = true;
    if (abortAfterHeaders != null) {
      abortAfterHead(outbound);
      return;
    }
    // A body of known length ends with its last byte: that chunk goes out with the response's end, one write instead
    // of two. A refused upgrade's response, read by Vert.x as the answer to a tunnel request, never reports its end:
    // it can only end so, and the connection with it.
    long expected = lengthKnown && mayHaveBody(status) ? parseLength(headers.get(HttpHeaders.CONTENT_LENGTH)) : -1;
    if (webSocket) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
      if (expected == 0 || !mayHaveBody(status)) {
        response.end();
        outbound.reset();
        finish(null, EndState.COMPLETED);
        return;
      }
    }
    // The response timeout goes on for the body: the backend may not stall longer between two reads. A client too
    // slow to take the body pauses the reads, and the timeout with them.
    ResponseDeadlines deadlines = settings.responseDeadlines();
    deadlines.start(this);
    response.drainHandler(v -> {
      in.resume();
      deadlines.start(this);
    });
    in.handler(chunk -> {
      bodyBytesOut += chunk.length();
      upstream.receivedFromBackend(chunk.length());
      if (bodyBytesOut == expected) {
        response.end(chunk);
        if (webSocket) {
          outbound.reset();
        }
        finish(null, EndState.COMPLETED);
        return;
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        in.pause();
        deadlines.stop(this);
      } else {
        deadlines.start(this);
      }
    });
    in.exceptionHandler(this::upstreamFailed);
    in.endHandler(v -> {
      if (!finished) {
        response.end();
        finish(null, EndState.COMPLETED);
      }
      if (hasBody && !request.isEnded() && !clientGone) {
        // Here, once Vert.x has ended the response too, and not at its last byte: a connection closed before would
        // stay in Vert.x's pool for good, and the client's close would wait for it.
        dropRestOfBody();
      }
    });
  }

  /**
   * The backend answered in full before the whole request body came: the rest is read from the client and dropped,
   * not forwarded, so that the client can finish sending and its connection can carry its next request. The backend
   * has given its final answer; and Vert.x's client, once a response has ended, no longer reports its request's write
   * queue drained (it tells only the requests still awaiting a response), so a forwarded upload that had filled it
   * would wait forever. The backend connection, left mid-request, is closed at the socket: Vert.x's own close (and a
   * reset, which is one) queues behind the writes the backend is not reading, so it would never close, and its pool
   * slot would stay taken.
   */
  private void dropRestOfBody() {
    upstreamRequest.drainHandler(null);
    if (upstreamRequest.connection() instanceof ConnectionBase connection) {
      connection.channel().close();
    }
    request.handler(chunk -> { });
    request.endHandler(null);
    request.resume();
  }

  /**
   * {@link Fault#abortAfterHeaders}: the head goes out, then the client's connection is closed before any byte of the
   * body, and the backend's with it (its body is not wanted). Not the backend's failure.
   */
  private void abortAfterHead(HttpClientRequest outbound) {
    if (log.isDebugEnabled()) {
      log.debug("{} {} {}: {} head sent, connection closed by fault {}", clientAddress(), request.method(),
          request.uri(), status, abortAfterHeaders);
    }
    outbound.reset();
    finish(null, EndState.FAULT);
    response.writeHead().onComplete(ar -> request.connection().close());
  }

  /**
   * While the proxy drains, a response tells its client the connection closes after it: Vert.x closes it once the
   * response is complete, and the client, told so, sends no next request there.
   */
  private void closeIfDraining() {
    if (settings.connector().connections().refusing()) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
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
    settings.responseDeadlines().stop(this);
    if (aborted) {
      finish(null, EndState.DRAIN_TIMEOUT); // the proxy reset it: neither the backend's failure nor one to retry
      return;
    }
    if (responding) {
      if (log.isDebugEnabled()) {
        log.debug("{} {} {}: {} failed during the response: {}", clientAddress(), request.method(), request.uri(),
            upstream.backend(), cause.toString());
      }
      if (cause instanceof TimeoutException) {
        // Ended before the reset, so the failure the reset reports finds the exchange over: a connection left halfway
        // through a response cannot carry another request.
        finish(cause, EndState.RESPONSE_TIMEOUT);
        upstreamRequest.reset();
        request.connection().close();
        return;
      }
      request.connection().close();
      finish(cause, backendEnd(cause));
      return;
    }
    if (cause instanceof TimeoutException) {
      answer(504, "backend " + upstream.backend().id() + " sent no response within "
          + settings.responseDeadlines().timeoutMillis() + " ms", cause, EndState.RESPONSE_TIMEOUT);
      upstreamRequest.reset(); // after the answer, as above
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
      if (settings.connector().connections().recording()) {
        if (earlierAttempts == null) {
          earlierAttempts = new ArrayList<>(4);
        }
        failed.addAttempts(earlierAttempts, cause);
      }
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
        cause, backendEnd(cause));
  }

  /** How a request ends when its backend connection failed: a close, or a reset or any other error. */
  private static EndState backendEnd(Throwable cause) {
    return cause instanceof HttpClosedException ? EndState.BACKEND_CLOSED : EndState.BACKEND_RESET;
  }

  /** How a request ends when its client left first. */
  private EndState clientEnd() {
    return clientFailed ? EndState.CLIENT_RESET : EndState.CLIENT_CLOSED;
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
      finish(null, clientEnd());
    }
    // Else a backend is being connected: the connector comes back with connected() or abandoned(), which end it.
  }

  private void clientFailed(Throwable cause) {
    if (log.isDebugEnabled()) {
      log.debug("{} {} {}: client failed: {}", clientAddress(), request.method(), request.uri(), cause.toString());
    }
    clientFailed = true;
    clientClosed();
  }

  // ----------------------------------------------------------------------------------------------- websocket

  private void upgraded(HttpClientRequest outbound, AsyncResult<HttpClientResponse> ar) {
    settings.responseDeadlines().stop(this);
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
    headNanos = System.nanoTime();
    WebSocketTunnel.open(request, in.netSocket(), upstream, this::tunnelClosed);
  }

  private void tunnelClosed(Throwable failure, boolean clientSide) {
    if (failure != null && log.isDebugEnabled()) {
      log.debug("{} <-> {}: WebSocket tunnel failed: {}", clientAddress(), upstream.backend(), failure.toString());
    }
    finish(null, failure == null ? EndState.COMPLETED : clientSide ? clientEnd(failure) : backendEnd(failure));
  }

  /** How a request ends when its client's socket failed: a close (Vert.x reports one so), or a reset or an error. */
  private static EndState clientEnd(Throwable cause) {
    return cause instanceof HttpClosedException ? EndState.CLIENT_CLOSED : EndState.CLIENT_RESET;
  }

  // ------------------------------------------------------------------------------------------------- endings

  /**
   * Answers the client with a status of the proxy's own (502, 503, 504, or an {@link Fault#httpStatus} fault's) and a
   * short text naming the cause, and ends the exchange as {@code end} says (as the client's when it left first).
   */
  private void answer(int code, String text, Throwable cause, EndState end) {
    if (log.isDebugEnabled()) {
      log.debug("{} {} {}: {} {}", clientAddress(), request.method(), request.uri(), code, text);
    }
    if (clientGone || response.headWritten()) {
      finish(code == 503 ? null : cause, clientGone ? clientEnd() : end);
      return;
    }
    status = code;
    response.headers().clear();
    response.setStatusCode(code);
    if (hasBody && !request.isEnded()) {
      // The rest of its body was never read: where the next request would begin is unknown.
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    closeIfDraining();
    if (mayHaveBody(code)) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(text + "\n");
    } else {
      response.end();
    }
    finish(code == 503 ? null : cause, end);
  }

  /**
   * The exchange is over: the upstream is released, as a failure to passive health where that applies, and the
   * request ends as {@code end} says.
   */
  private void finish(Throwable failure, EndState end) {
    if (finished) {
      return;
    }
    finished = true;
    settings.responseDeadlines().stop(this);
    Upstream current = upstream;
    if (current != null) {
      if (failure != null) {
        current.releaseFailed(failure);
      } else if (settings.countServerErrors() && status >= 500 && end != EndState.FAULT) {
        current.releaseFailed(new java.io.IOException("answered " + status));
      } else {
        current.release(false);
      }
    }
    end(end);
  }

  /**
   * Counts the request and, when a listener wants it, records it; once per exchange. A request still going on when a
   * drain's deadline or a removal's closed it ends {@link EndState#DRAIN_TIMEOUT}, whatever failed first then.
   */
  private void end(EndState end) {
    if (ended) {
      return;
    }
    ended = true;
    long now = System.nanoTime();
    Connections connections = settings.connector().connections();
    if (end != EndState.COMPLETED && end != EndState.FAULT && (aborted || connections.killed())) {
      end = EndState.DRAIN_TIMEOUT;
    }
    Backend backend = upstream != null ? upstream.backend() : answeredFor;
    connections.http().requestEnded(backend, status, now - startNanos);
    if (connections.recording()) {
      connections.requestEnded(record(end, now));
    }
  }

  private ConnectionRecord record(EndState end, long now) {
    List<ConnectionRecord.Attempt> attempts = earlierAttempts != null ? earlierAttempts : new ArrayList<>(1);
    if (connecting != null) {
      connecting.addAttempts(attempts, null);
    }
    // The bytes are the upstream's: the bodies, or a WebSocket's frames after the upgrade (no retry follows a byte).
    Upstream served = upstream;
    return new ConnectionRecord(clientAddress(), Instant.now().minusNanos(now - startNanos), attempts,
        served == null ? null : served.backend(),
        served == null ? 0 : served.bytesSent(),
        served == null ? 0 : served.bytesReceived(),
        served == null ? null : Duration.ofNanos(served.connectedNanos() - startNanos),
        headNanos == 0 ? null : Duration.ofNanos(headNanos - startNanos),
        Duration.ofNanos(now - startNanos), end,
        new ConnectionRecord.Request(request.method().name(), request.uri(), status));
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message != null ? message : cause.getClass().getSimpleName();
  }
}
