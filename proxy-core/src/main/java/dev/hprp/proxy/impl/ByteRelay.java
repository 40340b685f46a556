package dev.hprp.proxy.impl;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import java.util.concurrent.atomic.LongAdder;

/**
 * One direction of a relay: hands each buffer Netty read from one socket, as it is, to the other socket's write,
 * pausing the reading socket while the writing one's queue is full and resuming it on drain.
 *
 * <p>This is {@code from.pipeTo(to)} without its two copies per chunk: a {@code NetSocket}'s data handler gets a
 * heap copy of every pooled direct buffer read, and writing that heap buffer copies it back to direct memory. Here
 * the pooled buffer itself is written, and Netty releases it once flushed. Backpressure, end and failure behave as
 * {@code pipeTo}'s: the result completes when {@code from} ended (every byte read has been handed to {@code to}) and
 * fails on a read error. Confined to the sockets' shared event loop.
 */
final class ByteRelay {

  private final NetSocketInternal from;
  private final NetSocketInternal to;
  private final LongAdder bytes;
  private final Promise<Void> done = Promise.promise();

  private ByteRelay(NetSocketInternal from, NetSocketInternal to, LongAdder bytes) {
    this.from = from;
    this.to = to;
    this.bytes = bytes;
  }

  /**
   * Starts relaying {@code from} to {@code to}, adding each byte to {@code bytes}; takes over {@code from}'s
   * message, end and exception handlers and {@code to}'s drain handler.
   *
   * @return completes when {@code from} ended, fails when it failed; {@code to} is not ended by this
   */
  static Future<Void> start(NetSocketInternal from, NetSocketInternal to, LongAdder bytes) {
    ByteRelay relay = new ByteRelay(from, to, bytes);
    from.messageHandler(relay::relay);
    from.endHandler(v -> relay.done.tryComplete());
    from.exceptionHandler(relay.done::tryFail);
    to.drainHandler(v -> from.resume());
    from.resume();
    return relay.done.future();
  }

  private void relay(Object message) {
    // A failed write means the other socket is closing; its own end or failure reaches the close policy, so the
    // write's future needs no listener (one allocation less per chunk).
    if (message instanceof ByteBuf buffer) {
      bytes.add(buffer.readableBytes());
      to.writeMessage(buffer);
    } else {
      // Read before this relay was installed, while the socket was paused: Vert.x queued it as a heap Buffer.
      Buffer buffer = (Buffer) message;
      bytes.add(buffer.length());
      to.write(buffer);
    }
    if (to.writeQueueFull()) {
      from.pause();
    }
  }
}
