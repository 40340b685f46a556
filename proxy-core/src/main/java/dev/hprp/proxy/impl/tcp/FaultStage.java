package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.impl.ActiveFault;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import java.nio.channels.ClosedChannelException;

/**
 * One data fault on one direction of a relayed connection: a handler in the receiving socket's pipeline, just
 * before the relay's {@code Side}, so it sees every write the relay makes to that socket (the bytes, and the empty
 * writes that carry a FIN or a close behind them) and decides when, and whether, each goes on. Installed only on
 * connections a fault acts on, and removed when the fault is: the relay itself has no fault code on its path.
 *
 * <p>A stage that holds bytes back turns its own bit of the channel's writability off while it holds more than
 * {@link dev.hprp.proxy.fault.Fault#HOLD_LIMIT_BYTES} (Netty's user-defined writability, which
 * {@code Channel.isWritable()} includes): the relay then stops reading from the sender exactly as when the socket's
 * own buffer is full.
 *
 * <p>Confined to the connection's event loop.
 */
abstract class FaultStage extends ChannelDuplexHandler {

  static final ClosedChannelException CLOSED = new ClosedChannelException() {
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // shared, and never thrown
    }
  };

  final ActiveFault fault;
  final RelayFaults owner;
  /** This stage's bit of the channel's user-defined writability, 1-31. */
  final int writabilityIndex;
  ChannelHandlerContext ctx;

  FaultStage(ActiveFault fault, RelayFaults owner, int writabilityIndex) {
    this.fault = fault;
    this.owner = owner;
    this.writabilityIndex = writabilityIndex;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public final void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf buffer) {
      onWrite(buffer, promise);
    } else {
      ctx.write(msg, promise);
    }
  }

  /** The relay writes {@code buffer} (empty for a FIN or a close that follows the bytes before it). */
  abstract void onWrite(ByteBuf buffer, ChannelPromise promise);

  /**
   * The fault was removed: stop acting, pass on what is held, in order, and leave the pipeline. The default just
   * leaves.
   */
  void detach() {
    ctx.pipeline().remove(this);
  }

  /** The socket is closing or the stage leaving: let go of whatever is held, unsent. */
  void discard() {
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    discard();
    ctx.close(promise);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    discard();
    writable(true);
  }

  /** Sets this stage's writability bit. */
  final void writable(boolean writable) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    if (out != null) {
      out.setUserDefinedWritability(writabilityIndex, writable);
    }
  }

  /** Fails a promise the stage will never fulfil; a void one (the relay's writes of bytes) has no one to tell. */
  static void fail(ChannelPromise promise) {
    if (!promise.isVoid()) {
      promise.tryFailure(CLOSED);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + fault + "]";
  }
}
