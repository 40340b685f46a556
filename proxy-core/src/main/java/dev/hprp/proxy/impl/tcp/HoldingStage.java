package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.impl.ActiveFault;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A stage that holds writes back and passes them on later, in order, when its schedule ({@link #releaseDue}) lets
 * them: the queue, the timer and the hold limit live here, each schedule in a subclass.
 */
abstract class HoldingStage extends FaultStage {

  /** One write held back. */
  static final class Held {
    final ByteBuf buffer;
    final ChannelPromise promise;
    /** When the relay wrote it. */
    final long arrivedNanos;
    /** When it may go on, for schedules that set one. */
    long dueNanos;

    Held(ByteBuf buffer, ChannelPromise promise, long arrivedNanos) {
      this.buffer = buffer;
      this.promise = promise;
      this.arrivedNanos = arrivedNanos;
    }
  }

  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private long heldBytes;
  /** This stage turned its writability bit off: it holds more than the limit. */
  private boolean full;
  private ScheduledFuture<?> timer;

  HoldingStage(ActiveFault fault, RelayFaults owner, int writabilityIndex) {
    super(fault, owner, writabilityIndex);
  }

  @Override
  final void onWrite(ByteBuf buffer, ChannelPromise promise) {
    Held write = new Held(buffer, promise, System.nanoTime());
    arrived(write);
    held.add(write);
    heldBytes += buffer.readableBytes();
    if (timer == null) {
      release();
    } else {
      updateWritability(); // the timer is set: the schedule goes on then
    }
  }

  /** A write joins the queue: set what the schedule needs (its due time, say). */
  void arrived(Held write) {
  }

  /**
   * Passes on what the schedule lets go at {@code now}, with {@link #passHead()} or {@link #passBytes}, and flushes.
   *
   * @return nanoseconds until more may go, when something is still held; anything when nothing is
   */
  abstract long releaseDue(long now);

  /** Runs the schedule now, and sets the timer for the next release when something is still held. */
  private void release() {
    long wait = releaseDue(System.nanoTime());
    updateWritability();
    if (!held.isEmpty()) {
      timer = ctx.executor().schedule(() -> {
        timer = null;
        release();
      }, Math.max(wait, 1), TimeUnit.NANOSECONDS);
    }
  }

  /** The oldest write held, or null. */
  final Held head() {
    return held.peek();
  }

  /** Passes the oldest write on whole, with its promise. */
  final void passHead() {
    Held write = held.poll();
    heldBytes -= write.buffer.readableBytes();
    ctx.write(write.buffer, write.promise);
  }

  /** Passes the first {@code bytes} of the oldest write on (all of it, with its promise, when that is all it has). */
  final void passBytes(int bytes) {
    Held write = held.peek();
    if (bytes >= write.buffer.readableBytes()) {
      passHead();
    } else {
      heldBytes -= bytes;
      ctx.write(write.buffer.readRetainedSlice(bytes), ctx.voidPromise());
    }
  }

  private void updateWritability() {
    if (!full && heldBytes > Fault.HOLD_LIMIT_BYTES) {
      full = true;
      writable(false);
    } else if (full && heldBytes <= Fault.HOLD_LIMIT_BYTES / 2) {
      full = false;
      writable(true);
    }
  }

  /** Removed: everything held goes on at once, in order. */
  @Override
  void detach() {
    cancelTimer();
    boolean any = !held.isEmpty();
    while (!held.isEmpty()) {
      passHead();
    }
    if (any) {
      ctx.flush();
    }
    super.detach();
  }

  @Override
  void discard() {
    cancelTimer();
    Held write;
    while ((write = held.poll()) != null) {
      write.buffer.release();
      fail(write.promise);
    }
    heldBytes = 0;
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
