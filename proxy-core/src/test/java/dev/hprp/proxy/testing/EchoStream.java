package dev.hprp.proxy.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;

/**
 * A long-lived connection to an echo backend that keeps traffic flowing: it writes a chunk, waits for its whole echo,
 * checks every byte, and writes the next after a pause, until it is closed by either side.
 *
 * <p>One chunk in flight at a time, so at any moment the bytes echoed are an exact prefix of the bytes sent: a lost,
 * duplicated or reordered byte is caught ({@link #corrupt()}). Byte {@code i} of the stream is a function of
 * {@code i}, so nothing is stored. Confined to its socket's event loop; the getters may be read from any thread.
 */
public final class EchoStream {

  private final Vertx vertx;
  private final NetSocket socket;
  private final int chunkSize;
  private final long pauseMillis;
  private final Promise<Void> closed = Promise.promise();
  private volatile long echoed;
  private volatile long sent;
  private volatile boolean corrupt;
  private volatile Throwable error;
  private volatile long closedNanos;
  private volatile long lastTrafficNanos;
  private volatile long longestSilenceNanos;

  private EchoStream(Vertx vertx, NetSocket socket, int chunkSize, Duration pause) {
    this.vertx = vertx;
    this.socket = socket;
    this.chunkSize = chunkSize;
    this.pauseMillis = pause.toMillis();
  }

  /**
   * Connects through {@code client} to {@code 127.0.0.1:port} and starts streaming {@code chunkSize}-byte chunks,
   * waiting {@code pause} between an echo and the next chunk ({@link Duration#ZERO}: none, as fast as it goes).
   */
  public static Future<EchoStream> open(Vertx vertx, NetClient client, int port, int chunkSize, Duration pause) {
    return client.connect(port, "127.0.0.1").map(socket -> {
      EchoStream stream = new EchoStream(vertx, socket, chunkSize, pause);
      stream.start();
      return stream;
    });
  }

  private void start() {
    socket.handler(this::received);
    socket.exceptionHandler(e -> error = e);
    socket.closeHandler(v -> {
      closedNanos = System.nanoTime();
      closed.complete();
    });
    writeChunk();
  }

  /** Notes traffic either way now; on the socket's event loop. */
  private void traffic() {
    long now = System.nanoTime();
    if (lastTrafficNanos != 0) {
      longestSilenceNanos = Math.max(longestSilenceNanos, now - lastTrafficNanos);
    }
    lastTrafficNanos = now;
  }

  private void writeChunk() {
    traffic();
    Buffer chunk = Buffer.buffer(chunkSize);
    long first = sent;
    for (int i = 0; i < chunkSize; i++) {
      chunk.appendByte(byteAt(first + i));
    }
    sent = first + chunkSize;
    socket.write(chunk);
  }

  private void received(Buffer data) {
    traffic();
    long position = echoed;
    for (int i = 0; i < data.length(); i++) {
      if (data.getByte(i) != byteAt(position + i)) {
        corrupt = true;
      }
    }
    echoed = position + data.length();
    if (echoed > sent) {
      corrupt = true;
    } else if (echoed == sent && !corrupt) {
      if (pauseMillis == 0) {
        writeChunk();
      } else {
        vertx.setTimer(pauseMillis, id -> writeChunk());
      }
    }
  }

  private static byte byteAt(long position) {
    return (byte) (position ^ (position >>> 8) ^ (position >>> 16));
  }

  /**
   * Writes one more chunk and closes at once, with whatever is still in flight: with a client created with
   * {@code setSoLinger(0)}, a reset in the middle of a transfer.
   */
  public Future<Void> abort() {
    // On the socket's event loop: from the caller's thread, the chunk's count would race with the echoes' checks.
    Promise<Void> aborted = Promise.promise();
    ((NetSocketInternal) socket).channelHandlerContext().executor().execute(() -> {
      writeChunk();
      socket.close().onComplete(aborted);
    });
    return aborted.future();
  }

  /** Closes the connection after pending writes flushed. */
  public Future<Void> close() {
    return socket.close();
  }

  /** Completes when the connection closed, by either side. */
  public Future<Void> closed() {
    return closed.future();
  }

  /** When the connection closed ({@link System#nanoTime()}); 0 while open. */
  public long closedNanos() {
    return closedNanos;
  }

  /** Bytes echoed back and verified so far. */
  public long echoed() {
    return echoed;
  }

  /**
   * The longest time, in nanoseconds, this side saw no traffic either way: between two of its writes or reads, or
   * from the last one to the close (or to now while open). The pause or the wait for an echo, plus any stall of this
   * machine; what the proxy in between saw is no longer, unless it stalled itself.
   */
  public long longestSilenceNanos() {
    long last = lastTrafficNanos;
    long closed = closedNanos;
    long end = closed != 0 ? closed : System.nanoTime();
    return Math.max(longestSilenceNanos, last == 0 ? 0 : end - last);
  }

  /** Bytes written so far. */
  public long sent() {
    return sent;
  }

  /** Whether a byte came back that was not the next one sent. */
  public boolean corrupt() {
    return corrupt;
  }

  /** The error the connection saw (a reset, say), or null when it only ever closed cleanly. */
  public Throwable error() {
    return error;
  }
}
