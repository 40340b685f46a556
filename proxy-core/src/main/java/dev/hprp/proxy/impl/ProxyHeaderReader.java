package dev.hprp.proxy.impl;

import dev.hprp.proxy.ProxyProtocolOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the PROXY header (v1 or v2) a trusted load balancer puts before a client's bytes, with Netty's
 * {@link HAProxyMessageDecoder}, and hands on the client's address and the one it reached. A connection whose header
 * is malformed is closed at once (a reset, when bytes are left unread), one without a whole header within
 * {@link ProxyProtocolOptions#HEADER_TIMEOUT} when that time is up. Bytes after the header stay in the pipeline for
 * the relay (TCP mode) or the HTTP decoder (HTTP mode). Confined to the channel's event loop; one per connection.
 */
public final class ProxyHeaderReader extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ProxyHeaderReader.class);
  private static final String DECODER = "hprp-proxy-decoder";
  private static final String NAME = "hprp-proxy-header";

  /** Told the client's address and the destination it reached; both null for a LOCAL or UNKNOWN header. */
  private final BiConsumer<SocketAddress, SocketAddress> onHeader;
  private ScheduledFuture<?> timer;
  private boolean done;

  private ProxyHeaderReader(BiConsumer<SocketAddress, SocketAddress> onHeader) {
    this.onHeader = onHeader;
  }

  /**
   * Reads the header at the head of {@code channel}'s pipeline (so before TLS, which it precedes on the wire), then
   * calls {@code onHeader} on the event loop, with reading off again.
   */
  public static void read(Channel channel, BiConsumer<SocketAddress, SocketAddress> onHeader) {
    ProxyHeaderReader reader = new ProxyHeaderReader(onHeader);
    channel.pipeline().addFirst(DECODER, new HAProxyMessageDecoder());
    channel.pipeline().addAfter(DECODER, NAME, reader);
    reader.timer = channel.eventLoop().schedule(() -> reader.expire(channel),
        ProxyProtocolOptions.HEADER_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    channel.config().setAutoRead(true);
  }

  private void expire(Channel channel) {
    if (!done) {
      done = true;
      log.debug("{}: no PROXY header within {} ms; closing", channel.remoteAddress(),
          ProxyProtocolOptions.HEADER_TIMEOUT.toMillis());
      channel.pipeline().context(this).close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HAProxyMessage header)) {
      ctx.fireChannelRead(msg);
      return;
    }
    done = true;
    timer.cancel(false);
    SocketAddress source = null;
    SocketAddress destination = null;
    try {
      HAProxyProxiedProtocol protocol = header.proxiedProtocol();
      if (header.command() == HAProxyCommand.PROXY
          && (protocol == HAProxyProxiedProtocol.TCP4 || protocol == HAProxyProxiedProtocol.TCP6)) {
        source = SocketAddress.inetSocketAddress(header.sourcePort(), header.sourceAddress());
        destination = SocketAddress.inetSocketAddress(header.destinationPort(), header.destinationAddress());
      }
    } finally {
      header.release();
    }
    ctx.channel().config().setAutoRead(false);
    ctx.pipeline().remove(this);
    onHeader.accept(source, destination);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    done = true;
    timer.cancel(false);
    if (log.isDebugEnabled()) {
      log.debug("{}: invalid PROXY header ({}); closing", ctx.channel().remoteAddress(), cause.getMessage());
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    done = true;
    timer.cancel(false);
    ctx.fireChannelInactive();
  }
}
