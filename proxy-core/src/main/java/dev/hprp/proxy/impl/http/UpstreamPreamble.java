package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.ProxyHeaders;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.net.SocketAddress;

/**
 * What a new pooled backend connection begins with in HTTP mode, before its first request: the PROXY header, when
 * the proxy sends one, then the TLS handshake, when it originates TLS, in that order as on the wire. The pool's
 * {@code HttpClient} connects in plain TCP; both go in the connection's Netty pipeline, as in TCP mode: the header
 * written from the head, then Netty's {@link SslHandler} (client mode, the edge's context: chain and host name
 * verified, the name sent as SNI) at the head, under Vert.x's HTTP codec. A connection taken from the pool again has
 * both already; so the header names the client whose request opened the connection, not the client of each request
 * it later carries (those are in {@code X-Forwarded-For} and {@code Forwarded}).
 *
 * <p>Stateless; called on the connection's event loop.
 */
final class UpstreamPreamble {

  private static final String TLS = "hprp-backend-tls";
  /**
   * Marks a backend connection whose preamble was sent: kept on the channel, so that a connection given back to the
   * pool unused (its request discarded) is never begun twice.
   */
  private static final AttributeKey<Boolean> BEGUN = AttributeKey.valueOf("hprp.preamble");

  private UpstreamPreamble() {
  }

  /** Whether new backend connections need a preamble at all: a PROXY header is sent, or TLS originated. */
  static boolean needed(Edge edge) {
    return edge.sendProxy() != ProxyProtocolVersion.NONE || edge.backendTls() != null;
  }

  /**
   * Begins {@code channel}, the backend connection {@code outbound} was given, unless it was begun before: the PROXY
   * header for {@code source} reaching {@code destination}, then the TLS handshake with {@code host:port}.
   *
   * @return completes with {@code outbound} once done (at once for a connection begun before); fails, with the
   *         connection closed, when the handshake fails (a failed connect of that backend)
   */
  static Future<HttpClientRequest> begin(HttpClientRequest outbound, Channel channel, Edge edge, SocketAddress source,
      SocketAddress destination, String host, int port) {
    if (channel.attr(BEGUN).setIfAbsent(Boolean.TRUE) != null) {
      return Future.succeededFuture(outbound);
    }
    ChannelHandlerContext head = channel.pipeline().firstContext();
    ProxyProtocolVersion send = edge.sendProxy();
    if (send != ProxyProtocolVersion.NONE) {
      // From the first handler's context a write goes straight to the socket, under the HTTP codec (and the TLS
      // handler, added next): the backend's first bytes.
      ProxyHeaders.write(head, send, source, destination);
      head.flush();
    }
    if (edge.backendTls() == null) {
      return Future.succeededFuture(outbound);
    }
    SslHandler handler = edge.backendTlsHandler(channel.alloc(), host, port);
    Promise<HttpClientRequest> done = Promise.promise();
    handler.handshakeFuture().addListener(handshake -> {
      if (handshake.isSuccess()) {
        done.complete(outbound);
      } else {
        outbound.reset();
        channel.close(); // never back to the pool: its TLS is broken
        done.fail(handshake.cause());
      }
    });
    channel.pipeline().addFirst(TLS, handler); // a client-mode handler starts its handshake as it is added
    return done.future();
  }
}
