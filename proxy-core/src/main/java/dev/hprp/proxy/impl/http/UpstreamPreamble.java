package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.ProxyHeaders;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.function.Function;

/**
 * What a new backend connection of a Vert.x {@code HttpClient} begins with, before its first request: the PROXY
 * header, when one is sent, then the TLS handshake, when TLS is originated, in that order as on the wire. HTTP mode's
 * pooled connections and the built-in HTTP health check both begin so. The {@code HttpClient} connects in plain TCP;
 * both go in the connection's Netty pipeline, as in TCP mode: the header written from the head, then Netty's
 * {@link SslHandler} (client mode: chain and host name verified, the name sent as SNI) at the head, under Vert.x's
 * HTTP codec. A connection taken from the pool again has both already; so the header names the client whose request
 * opened the connection, not the client of each request it later carries (those are in {@code X-Forwarded-For} and
 * {@code Forwarded}).
 *
 * <p>Stateless; called on the connection's event loop.
 */
public final class UpstreamPreamble {

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
   * Begins the connection {@code outbound} was given with {@code edge}'s PROXY header and TLS: see
   * {@link #begin(HttpClientRequest, ProxyProtocolVersion, SocketAddress, SocketAddress, Function)}, with TLS to
   * {@code host:port}.
   */
  static Future<HttpClientRequest> begin(HttpClientRequest outbound, Edge edge, SocketAddress source,
      SocketAddress destination, String host, int port) {
    return begin(outbound, edge.sendProxy(), source, destination,
        edge.backendTls() == null ? null : alloc -> edge.backendTlsHandler(alloc, host, port));
  }

  /**
   * Begins the connection {@code outbound} was given (connected, nothing written yet), unless it was begun before:
   * the PROXY header for {@code source} reaching {@code destination} (a {@code LOCAL}/{@code UNKNOWN} one when either
   * is null), then the TLS handshake of the handler {@code tls} makes.
   *
   * @param header the PROXY header's version; {@link ProxyProtocolVersion#NONE} for none
   * @param tls    makes the client-mode TLS handler with the channel's allocator; null for plain TCP
   * @return completes with {@code outbound} once done (at once for a connection begun before); fails, with the
   *         connection closed, when the handshake fails (a failed connect of that backend)
   */
  public static Future<HttpClientRequest> begin(HttpClientRequest outbound, ProxyProtocolVersion header,
      SocketAddress source, SocketAddress destination, Function<ByteBufAllocator, SslHandler> tls) {
    if (!(outbound.connection() instanceof ConnectionBase connection)) {
      // Never sent without them: plain text to a TLS backend, or requests it cannot attribute.
      return Future.failedFuture(new IllegalStateException("backend connection without a Netty channel"));
    }
    Channel channel = connection.channel();
    if (channel.attr(BEGUN).setIfAbsent(Boolean.TRUE) != null) {
      return Future.succeededFuture(outbound);
    }
    ChannelHandlerContext head = channel.pipeline().firstContext();
    if (header != ProxyProtocolVersion.NONE) {
      // From the first handler's context a write goes straight to the socket, under the HTTP codec (and the TLS
      // handler, added next): the backend's first bytes.
      ProxyHeaders.write(head, header, source, destination);
      head.flush();
    }
    if (tls == null) {
      return Future.succeededFuture(outbound);
    }
    SslHandler handler = tls.apply(channel.alloc());
    Promise<HttpClientRequest> done = Promise.promise();
    handler.handshakeFuture().addListener(handshake -> {
      if (handshake.isSuccess()) {
        done.complete(outbound);
      } else {
        // The failure is the returned future's; without a handler Vert.x would log the reset as an error besides.
        outbound.exceptionHandler(ignored -> { });
        outbound.reset();
        channel.close(); // never back to the pool: its TLS is broken
        done.fail(handshake.cause());
      }
    });
    channel.pipeline().addFirst(TLS, handler); // a client-mode handler starts its handshake as it is added
    return done.future();
  }
}
