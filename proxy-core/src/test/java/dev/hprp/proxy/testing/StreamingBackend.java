package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * A backend that pushes a stream to every connection, as fast as the connection takes it: an 8-byte stream number,
 * then {@code length} pseudo-random bytes (different for each stream), then it closes.
 *
 * <p>It writes with backpressure, as a well-behaved server does: whenever its write queue is full it waits for the
 * drain. It counts the bytes the kernel took per stream ({@link #flushed(long)}) and how often its queue was full,
 * and records each finished stream's length and CRC-32C ({@link #sent()}) for the receiving side to compare.
 * Thread-safe readers; each stream is confined to its socket's event loop.
 */
public final class StreamingBackend {

  /** One stream as written: its number, payload length and CRC-32C of the payload. */
  public record Stream(long number, long length, long crc) {
  }

  private static final int CHUNK = 64 * 1024;
  private static final int PATTERN_SIZE = 1 << 20;
  /** Twice the pattern, so that a chunk starting anywhere in the first copy is one contiguous slice. */
  private static final byte[] PATTERN_BYTES = new byte[2 * PATTERN_SIZE];
  private static final Buffer PATTERN;

  static {
    byte[] once = new byte[PATTERN_SIZE];
    new Random(42).nextBytes(once);
    System.arraycopy(once, 0, PATTERN_BYTES, 0, PATTERN_SIZE);
    System.arraycopy(once, 0, PATTERN_BYTES, PATTERN_SIZE, PATTERN_SIZE);
    PATTERN = Buffer.buffer(PATTERN_BYTES);
  }

  private final long length;
  private final AtomicLong nextStream = new AtomicLong();
  private final AtomicLong writeQueueFull = new AtomicLong();
  private final Map<Long, AtomicLong> flushed = new ConcurrentHashMap<>();
  private final List<Stream> sent = new CopyOnWriteArrayList<>();
  private NetServer server;

  private StreamingBackend(long length) {
    this.length = length;
  }

  /**
   * Starts a backend on {@code 127.0.0.1} and an ephemeral port that pushes {@code length} payload bytes to each
   * connection, with a send buffer of {@code sendBufferSize} bytes (small, so that what the kernel took is close to
   * what the peer received).
   */
  public static Future<StreamingBackend> start(Vertx vertx, long length, int sendBufferSize) {
    StreamingBackend backend = new StreamingBackend(length);
    backend.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0)
        .setSendBufferSize(sendBufferSize)).connectHandler(backend::accept);
    return backend.server.listen().map(backend);
  }

  private void accept(NetSocket socket) {
    long number = nextStream.getAndIncrement();
    AtomicLong progress = new AtomicLong();
    flushed.put(number, progress);
    socket.write(Buffer.buffer(8).appendLong(number));
    // Streams start at different offsets of the pattern, so a byte delivered to the wrong client shows.
    new Writer(socket, number, progress, (int) (number * 7919 * 64 % PATTERN_SIZE)).pump();
  }

  /** Writes one stream; runs on its socket's event loop. */
  private final class Writer {
    private final NetSocket socket;
    private final long number;
    private final AtomicLong progress;
    private final CRC32C crc = new CRC32C();
    private int offset;
    private long remaining = length;

    Writer(NetSocket socket, long number, AtomicLong progress, int offset) {
      this.socket = socket;
      this.number = number;
      this.progress = progress;
      this.offset = offset;
    }

    void pump() {
      while (remaining > 0 && !socket.writeQueueFull()) {
        int chunk = (int) Math.min(CHUNK, remaining);
        crc.update(PATTERN_BYTES, offset, chunk);
        socket.write(PATTERN.slice(offset, offset + chunk)).onSuccess(v -> progress.addAndGet(chunk));
        offset = (offset + chunk) % PATTERN_SIZE;
        remaining -= chunk;
      }
      if (remaining == 0) {
        sent.add(new Stream(number, length, crc.getValue()));
        socket.end();
      } else {
        writeQueueFull.incrementAndGet();
        socket.drainHandler(v -> pump());
      }
    }
  }

  /** Payload bytes of stream {@code number} the kernel took so far (written past the send buffer's queue). */
  public long flushed(long number) {
    AtomicLong progress = flushed.get(number);
    return progress == null ? 0 : progress.get();
  }

  /** How many times a write found the queue full and waited for the drain. */
  public long writeQueueFullCount() {
    return writeQueueFull.get();
  }

  /** Streams written to the end so far. */
  public List<Stream> sent() {
    return List.copyOf(sent);
  }

  /** This backend as a proxy {@link Backend} on {@code 127.0.0.1}. */
  public Backend backend() {
    return new Backend("127.0.0.1", server.actualPort());
  }

  /** Stops listening. */
  public Future<Void> close() {
    return server.close();
  }
}
