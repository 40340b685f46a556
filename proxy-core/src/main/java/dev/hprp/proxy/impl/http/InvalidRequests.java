package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.impl.Connections;
import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request the decoder refused, never forwarded: 431 for a head over the size limit, 414 for a request line
 * over it, 400 for anything malformed (a broken request line or header, conflicting framing headers), each with a
 * short text and then a close, since where the next request would begin is not known. Each is counted and recorded
 * as a request that ended {@link EndState#BAD_REQUEST}, as is the {@link HeadTimeout}'s 408 ({@link #count}).
 */
final class InvalidRequests {

  private static final Logger log = LoggerFactory.getLogger(InvalidRequests.class);
  /** Set on a connection once a refused head was answered: it is closing, and nothing more is answered on it. */
  private static final AttributeKey<Boolean> ANSWERED = AttributeKey.valueOf("hprp.refused-head-answered");

  private InvalidRequests() {
  }

  /**
   * Answers {@code request}, which the decoder refused, and counts it in {@code connections}; on its connection's event
   * loop.
   */
  static void answer(HttpServerRequest request, Connections connections) {
    Channel channel = request.connection() instanceof ConnectionBase base ? base.channel() : null;
    if (channel != null && !firstRefusal(channel)) {
      // Refused already (a 408, another refused head in the same bytes): the connection is closing, and the decoder
      // goes on reporting what follows, or the close in the middle of a head, until it has.
      return;
    }
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    int status;
    String text;
    if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      text = "request header fields too large";
    } else if (cause instanceof TooLongHttpLineException) {
      status = 414;
      text = "request line too long";
    } else if (cause instanceof TooLongFrameException) {
      status = 431;
      text = "request head too large";
    } else {
      status = 400;
      text = "bad request";
    }
    if (log.isDebugEnabled()) {
      log.debug("{}: {} {}: {}", request.remoteAddress(), status, text, cause == null ? "" : cause.getMessage());
    }
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(text + "\n")
        .onComplete(ar -> request.connection().close());
    if (channel != null) {
      count(channel, connections, status, System.nanoTime());
    }
  }

  /**
   * Whether this is the first head refused on {@code channel}: only that one is answered and counted, since the
   * connection is closed after it.
   */
  static boolean firstRefusal(Channel channel) {
    return channel.attr(ANSWERED).setIfAbsent(Boolean.TRUE) == null;
  }

  /**
   * Counts a request head the proxy refused with {@code status}, the {@link #firstRefusal} on its channel, in HTTP mode's metrics (no backend), and records it
   * when a listener wants records: method and URI {@code -}, since the head was not accepted. On the connection's
   * event loop.
   *
   * @param startNanos when the head began, as far as known ({@link System#nanoTime()})
   */
  static void count(Channel channel, Connections connections, int status, long startNanos) {
    connections.http().requestEnded(null, status, System.nanoTime() - startNanos);
    if (connections.recording()) {
      SocketAddress[] proxied = channel.attr(HttpServerVerticle.PROXIED).get();
      SocketAddress client = proxied != null ? proxied[0]
          : channel.remoteAddress() instanceof InetSocketAddress address ? SocketAddress.inetSocketAddress(address)
          : null;
      connections.requestEnded(Connections.withoutBackend(client, startNanos, EndState.BAD_REQUEST,
          new ConnectionRecord.Request("-", "-", status)));
    }
  }
}
