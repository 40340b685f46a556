package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.impl.Connections;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request head timeout of one client connection (slowloris): a head must be complete within the timeout from
 * the connection's accept, and on a keep-alive connection from the first byte of each later request; past it the
 * client gets 408 and is closed. Between requests the idle timeout applies instead.
 *
 * <p>Two handlers share this state: {@link Bytes}, before the decoder, sees the raw reads (the first byte of a head);
 * this one, just before Vert.x's handler, sees decoded heads and the last content of each request, and the response
 * going out. All on the connection's event loop.
 */
final class HeadTimeout extends ChannelDuplexHandler {

  private static final Logger log = LoggerFactory.getLogger(HeadTimeout.class);
  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
      + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
      + "request head too slow").getBytes(StandardCharsets.US_ASCII);

  private final long timeoutNanos;
  /** The last request ended: the next byte read begins a head. */
  private boolean betweenRequests;
  /** A head has begun (or the connection is new) and has not been decoded yet. */
  private boolean headPending = true;
  /** A request was decoded whose response has not gone out whole yet. */
  private boolean responding;
  private ScheduledFuture<?> timer;
  private final Connections connections;
  private ChannelHandlerContext bytesContext;

  private HeadTimeout(long timeoutNanos, Connections connections) {
    this.timeoutNanos = timeoutNanos;
    this.connections = connections;
  }

  /**
   * Puts the two handlers around the decoder of a new connection; starts the timer for its first head. A 408 is
   * counted in {@code connections}.
   */
  static void install(ChannelPipeline pipeline, long timeoutNanos, Connections connections) {
    HeadTimeout timeout = new HeadTimeout(timeoutNanos, connections);
    pipeline.addBefore(StrictRequestDecoder.VERTX_DECODER, "hprp-head-bytes", timeout.new Bytes());
    pipeline.addBefore("handler", "hprp-head-timeout", timeout);
  }

  private void start() {
    if (timer == null && bytesContext != null) {
      timer = bytesContext.executor().schedule(this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void stop() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expired() {
    timer = null;
    if (!bytesContext.channel().isActive()) {
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("{}: no complete request head within {} ms; 408", bytesContext.channel().remoteAddress(),
          TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
    }
    if (responding || !InvalidRequests.firstRefusal(bytesContext.channel())) {
      bytesContext.close(); // a response is on its way: no room for a 408 in the byte stream
    } else {
      // Written from before the decoder and the encoder, so it goes out as it is; nothing else is being written.
      bytesContext.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
      InvalidRequests.count(bytesContext.channel(), connections, 408, System.nanoTime() - timeoutNanos);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      stop();
      headPending = false;
      betweenRequests = false;
      responding = true;
    }
    if (msg instanceof LastHttpContent) {
      betweenRequests = true;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse && ((HttpResponse) msg).status().code() < 200)) {
      responding = false;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stop();
    ctx.fireChannelInactive();
  }

  /** Before the decoder: a read while between requests is the first byte of a head. */
  private final class Bytes extends ChannelInboundHandlerAdapter {

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      bytesContext = ctx;
      start(); // from the accept: a client that connects and sends nothing, or a few bytes, gets 408 too
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (betweenRequests && msg instanceof ByteBuf buffer && buffer.isReadable()) {
        betweenRequests = false;
        headPending = true;
      }
      ctx.fireChannelRead(msg);
      // After decoding: a head begun and completed in this very read has been seen already.
      if (headPending) {
        start();
      }
    }
  }
}
