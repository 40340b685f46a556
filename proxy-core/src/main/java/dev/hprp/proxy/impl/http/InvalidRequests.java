package dev.hprp.proxy.impl.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request the decoder refused, never forwarded: 431 for a head over the size limit, 414 for a request line
 * over it, 400 for anything malformed (a broken request line or header, conflicting framing headers), each with a
 * short text and then a close, since where the next request would begin is not known.
 */
final class InvalidRequests {

  private static final Logger log = LoggerFactory.getLogger(InvalidRequests.class);

  private InvalidRequests() {
  }

  static void answer(HttpServerRequest request) {
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
  }
}
