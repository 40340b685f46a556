package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.impl.ActiveFault;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The stage of each data fault: the schedules and cuts that {@link Fault}'s factories describe. */
final class FaultStages {

  private FaultStages() {
  }

  /**
   * The stage that runs {@code fault} on one direction of a connection.
   *
   * @param draw the connection's draw of this fault, which seeds its randomness
   */
  static FaultStage create(ActiveFault fault, long draw, RelayFaults owner, int writabilityIndex) {
    Fault.Effect effect = fault.effect();
    if (effect instanceof Fault.Latency latency) {
      return new Delay(fault, owner, writabilityIndex, latency.base().toNanos(), latency.jitter().toNanos(),
          ActiveFault.seedFor(fault.fault().seed(), draw));
    } else if (effect instanceof Fault.Stall stall) {
      return new Delay(fault, owner, writabilityIndex, stall.duration().toNanos());
    } else if (effect instanceof Fault.Bandwidth bandwidth) {
      return new Bandwidth(fault, owner, writabilityIndex, bandwidth.bytesPerSecond());
    } else if (effect instanceof Fault.Slicer slicer) {
      return new Slicer(fault, owner, writabilityIndex, slicer.maxBytes(), slicer.delay().toNanos());
    } else if (effect instanceof Fault.ResetAfter reset) {
      return new Cut(fault, owner, writabilityIndex, reset.bytes(), true);
    } else if (effect instanceof Fault.CloseAfter close) {
      return new Cut(fault, owner, writabilityIndex, close.bytes(), false);
    } else if (effect instanceof Fault.BlackHole) {
      return new BlackHole(fault, owner, writabilityIndex);
    }
    throw new IllegalArgumentException("not a data fault: " + effect);
  }

  /**
   * {@link Fault#latency}: each write is due {@code base} plus a random share of {@code jitter} after it arrived, or
   * when the write before it was due, whichever is later. {@link Fault#stall}: everything is due at the end of the
   * stall.
   */
  static final class Delay extends HoldingStage {
    private final long baseNanos;
    private final long jitterNanos;
    private final SplittableRandom random;
    /** Stall only: when it ends; {@code Long.MIN_VALUE} for latency. */
    private final long untilNanos;
    private long lastDueNanos = Long.MIN_VALUE;

    /** Latency. */
    Delay(ActiveFault fault, RelayFaults owner, int index, long baseNanos, long jitterNanos, long seed) {
      super(fault, owner, index);
      this.baseNanos = baseNanos;
      this.jitterNanos = jitterNanos;
      this.random = jitterNanos > 0 ? new SplittableRandom(seed) : null;
      this.untilNanos = Long.MIN_VALUE;
    }

    /** Stall, from now. */
    Delay(ActiveFault fault, RelayFaults owner, int index, long stallNanos) {
      super(fault, owner, index);
      this.baseNanos = 0;
      this.jitterNanos = 0;
      this.random = null;
      this.untilNanos = System.nanoTime() + stallNanos;
    }

    @Override
    void arrived(Held write) {
      long due = untilNanos != Long.MIN_VALUE ? untilNanos
          : write.arrivedNanos + baseNanos + (random == null ? 0 : random.nextLong(jitterNanos + 1));
      lastDueNanos = Math.max(due, lastDueNanos);
      write.dueNanos = lastDueNanos;
    }

    @Override
    long releaseDue(long now) {
      Held head = head();
      if (head == null || head.dueNanos > now) {
        return head == null ? 0 : head.dueNanos - now;
      }
      while (head != null && head.dueNanos <= now) {
        passHead();
        head = head();
      }
      ctx.flush();
      return head == null ? 0 : head.dueNanos - now;
    }
  }

  /**
   * {@link Fault#bandwidth}: bursts of at most {@link Fault#BURST_BYTES}; a burst is due when the previous burst's
   * pause is over (timed from when that burst was due) or when its first write arrived, whichever is later.
   */
  static final class Bandwidth extends HoldingStage {
    private final long bytesPerSecond;
    /** When the next burst is due, at the earliest. */
    private long slotNanos = Long.MIN_VALUE;

    Bandwidth(ActiveFault fault, RelayFaults owner, int index, long bytesPerSecond) {
      super(fault, owner, index);
      this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    long releaseDue(long now) {
      Held head;
      while ((head = head()) != null) {
        long due = Math.max(slotNanos, head.arrivedNanos);
        if (due > now) {
          return due - now;
        }
        long taken = 0;
        while ((head = head()) != null) {
          int readable = head.buffer.readableBytes();
          if (readable == 0) {
            passHead(); // the end of the direction, behind the bytes
          } else if (taken == Fault.BURST_BYTES) {
            break;
          } else {
            int bytes = (int) Math.min(Fault.BURST_BYTES - taken, readable);
            passBytes(bytes);
            taken += bytes;
          }
        }
        ctx.flush();
        slotNanos = due + taken * 1_000_000_000L / bytesPerSecond;
      }
      return 0;
    }
  }

  /** {@link Fault#slicer}: pieces of at most {@code maxBytes}, each flushed alone, {@code delay} apart. */
  static final class Slicer extends HoldingStage {
    private final int maxBytes;
    private final long delayNanos;
    private long nextPieceNanos = Long.MIN_VALUE;

    Slicer(ActiveFault fault, RelayFaults owner, int index, int maxBytes, long delayNanos) {
      super(fault, owner, index);
      this.maxBytes = maxBytes;
      this.delayNanos = delayNanos;
    }

    @Override
    long releaseDue(long now) {
      Held head;
      while ((head = head()) != null) {
        int readable = head.buffer.readableBytes();
        if (readable > 0 && now < nextPieceNanos) {
          return nextPieceNanos - now;
        }
        passBytes(Math.min(maxBytes, readable));
        ctx.flush();
        if (readable > 0) {
          nextPieceNanos = now + delayNanos;
        }
      }
      return 0;
    }
  }

  /**
   * {@link Fault#resetAfter} and {@link Fault#closeAfter}: passes exactly {@code limit} bytes, then has the relay
   * reset or close the connection; bytes after the limit are dropped. Once it has cut, it stays until the connection
   * is gone, even when its fault is removed: the cut is under way.
   */
  static final class Cut extends FaultStage {
    private final long limit;
    private final boolean reset;
    private long passed;
    private boolean cut;
    /**
     * Reset only: the FINs and closes the relay asked for after the cut, held back so that the connection ends by
     * the reset, not by a FIN; failed once the socket goes.
     */
    private List<ChannelPromise> heldEnds;

    Cut(ActiveFault fault, RelayFaults owner, int index, long limit, boolean reset) {
      super(fault, owner, index);
      this.limit = limit;
      this.reset = reset;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      super.handlerAdded(ctx);
      if (limit == 0) {
        cut = true;
        // Nothing to deliver first, so no wait; but after the task that installs it, which may still hand the
        // connection its first bytes.
        ctx.executor().execute(() -> owner.cut(ctx.channel(), reset, false));
      }
    }

    @Override
    void onWrite(ByteBuf buffer, ChannelPromise promise) {
      int readable = buffer.readableBytes();
      if (cut) {
        if (readable == 0 && !reset) {
          ctx.write(buffer, promise); // a close: the bytes before it are delivered, then the FIN
        } else {
          buffer.release();
          if (readable > 0) {
            fail(promise); // dropped
          } else {
            if (heldEnds == null) {
              heldEnds = new ArrayList<>(2);
            }
            heldEnds.add(promise);
          }
        }
        return;
      }
      long remaining = limit - passed;
      if (readable < remaining) {
        passed += readable;
        ctx.write(buffer, promise);
        return;
      }
      ByteBuf last = buffer;
      if (readable > remaining) {
        last = buffer.readRetainedSlice((int) remaining);
        buffer.release();
      }
      passed = limit;
      cut = true;
      ctx.write(last, promise);
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> owner.cut(ctx.channel(), reset, true));
    }

    @Override
    void discard() {
      if (heldEnds != null) {
        heldEnds.forEach(FaultStage::fail);
        heldEnds = null;
      }
    }

    @Override
    void detach() {
      if (!cut) {
        super.detach();
      }
    }
  }

  /** {@link Fault#blackHole}: drops every byte; the end of the direction and closes pass. */
  static final class BlackHole extends FaultStage {

    BlackHole(ActiveFault fault, RelayFaults owner, int index) {
      super(fault, owner, index);
    }

    @Override
    void onWrite(ByteBuf buffer, ChannelPromise promise) {
      if (buffer.readableBytes() == 0) {
        ctx.write(buffer, promise);
      } else {
        buffer.release();
        if (!promise.isVoid()) {
          promise.trySuccess();
        }
      }
    }
  }
}
