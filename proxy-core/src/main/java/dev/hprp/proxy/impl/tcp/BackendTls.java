package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.impl.Edge;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;

/**
 * TLS from the proxy to a backend, in the backend socket's pipeline: Netty's {@link SslHandler} (client mode, with the
 * server name for SNI and host name verification) at its head, and at its end a holder that keeps what the backend
 * sends right after the handshake (a server that speaks first) until the relay's handler is in place. The handshake is part of the connect: one that fails is a failed connect of that backend, and the client
 * goes to the next one. Confined to the socket's event loop.
 */
final class BackendTls {

  private static final String TLS = "hprp-backend-tls";
  private static final String HOLD = "hprp-backend-tls-hold";

  private BackendTls() {
  }

  /**
   * Starts TLS on a socket connected to {@code host:port}, with {@code edge}'s backend TLS; completes with the socket
   * once the handshake is done, fails with its error.
   */
  static Future<Channel> handshake(Channel channel, Edge edge, String host, int port) {
    SslHandler tls = edge.backendTlsHandler(channel.alloc(), host, port);
    // At the head: a pooled socket's holder, if any, is to see the decrypted bytes, not the handshake's records.
    channel.pipeline().addFirst(TLS, tls);
    BackendDialer.addLast(channel, HOLD, new Hold());
    Promise<Channel> done = Promise.promise();
    tls.handshakeFuture().addListener(handshake -> {
      if (handshake.isSuccess()) {
        done.complete(channel);
      } else {
        channel.close();
        done.fail(handshake.cause());
      }
    });
    return done.future();
  }

  /**
   * Passes what was held to the handlers after the holder (the relay's, once installed) and takes the holder out; a
   * socket without TLS is left alone.
   */
  static void release(Channel channel) {
    if (channel.pipeline().get(HOLD) instanceof Hold hold) {
      hold.release();
    }
  }

  /** Holds decrypted bytes until released; every other event passes. */
  private static final class Hold extends ChannelInboundHandlerAdapter {

    private ChannelHandlerContext ctx;
    private ArrayDeque<ByteBuf> held;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buffer) {
        if (held == null) {
          held = new ArrayDeque<>();
        }
        held.add(buffer);
      } else {
        ctx.fireChannelRead(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Nothing is passed on before the release, so neither is the end of a read.
    }

    void release() {
      if (held != null) {
        ByteBuf buffer;
        while ((buffer = held.poll()) != null) {
          ctx.fireChannelRead(buffer);
        }
        ctx.fireChannelReadComplete();
      }
      ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      // Removed with bytes still held (the socket closed before the relay took it): nothing will take them.
      if (held != null) {
        held.forEach(ByteBuf::release);
        held.clear();
      }
    }
  }
}
