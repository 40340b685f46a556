package dev.hprp.proxy.impl.http;

import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.Http1ServerConfig;
import io.vertx.core.http.impl.http1.VertxHttpRequestDecoder;

/**
 * Vert.x's request decoder (Netty's underneath), refusing a request that has both {@code Content-Length} and
 * {@code Transfer-Encoding}. Netty's default repairs such a request (drops {@code Content-Length}, closes after it);
 * a proxy must not guess where a body ends, since the backend may guess otherwise (request smuggling), so the request
 * becomes invalid and the client gets 400 and a close. Conflicting {@code Content-Length} values Netty refuses itself.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  /** The name of the decoder in a Vert.x HTTP/1 server pipeline. */
  static final String VERTX_DECODER = "httpDecoder";

  StrictRequestDecoder(Http1ServerConfig config) {
    super(config);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new ContentLengthNotAllowedException("both Content-Length and Transfer-Encoding");
  }
}
