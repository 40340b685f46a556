package dev.hprp.proxy.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Deterministic payloads for relay tests: bytes generated from a seed, sent with backpressure and checked by
 * SHA-256 on arrival, so gigabytes can cross the proxy without being held in memory.
 */
public final class Payloads {

  /** Size of the chunks {@link #send} writes. */
  public static final int CHUNK = 64 * 1024;

  private Payloads() {
  }

  /**
   * Writes {@code size} bytes generated from {@code seed} to {@code out}, waiting for drain whenever its write queue
   * is full.
   *
   * @return the SHA-256 of what was written, hex, once the last write completed
   */
  public static Future<String> send(WriteStream<Buffer> out, long size, long seed) {
    Promise<String> done = Promise.promise();
    new Sender(out, size, seed, done).pump();
    return done.future();
  }

  /**
   * Reads exactly {@code size} bytes from {@code in}.
   *
   * @return the SHA-256 of the bytes, hex, once {@code size} arrived; fails if the stream ends short or with more
   */
  public static Future<String> receive(ReadStream<Buffer> in, long size) {
    Promise<String> done = Promise.promise();
    MessageDigest digest = sha256();
    long[] received = {0};
    in.handler(buffer -> {
      received[0] += buffer.length();
      digest.update(buffer.getBytes());
      if (received[0] == size) {
        done.tryComplete(HexFormat.of().formatHex(digest.digest()));
      } else if (received[0] > size) {
        done.tryFail("received " + received[0] + " bytes, expected " + size);
      }
    });
    in.endHandler(v -> done.tryFail("stream ended after " + received[0] + " of " + size + " bytes"));
    in.exceptionHandler(done::tryFail);
    return done.future();
  }

  /** SHA-256 of the payload {@link #send} would write, computed without I/O; hex. */
  public static String sha256Of(long size, long seed) {
    MessageDigest digest = sha256();
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[CHUNK];
    for (long left = size; left > 0; left -= CHUNK) {
      int n = (int) Math.min(CHUNK, left);
      fill(random, chunk, n);
      digest.update(chunk, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void fill(SplittableRandom random, byte[] chunk, int n) {
    for (int i = 0; i < n; i += 8) {
      long bits = random.nextLong();
      for (int j = 0; j < 8 && i + j < n; j++) {
        chunk[i + j] = (byte) (bits >>> (8 * j));
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Writes chunk after chunk until the queue is full, then continues from the drain handler. */
  private static final class Sender {
    private final WriteStream<Buffer> out;
    private final SplittableRandom random;
    private final MessageDigest digest = sha256();
    private final Promise<String> done;
    private final byte[] chunk = new byte[CHUNK];
    private long left;

    Sender(WriteStream<Buffer> out, long size, long seed, Promise<String> done) {
      this.out = out;
      this.left = size;
      this.random = new SplittableRandom(seed);
      this.done = done;
    }

    void pump() {
      while (left > 0 && !out.writeQueueFull()) {
        int n = (int) Math.min(CHUNK, left);
        fill(random, chunk, n);
        digest.update(chunk, 0, n);
        left -= n;
        Future<Void> written = out.write(Buffer.buffer(n).appendBytes(chunk, 0, n));
        if (left == 0) {
          written.onSuccess(v -> done.tryComplete(HexFormat.of().formatHex(digest.digest())))
              .onFailure(done::tryFail);
        } else {
          written.onFailure(done::tryFail);
        }
      }
      if (left > 0) {
        out.drainHandler(v -> pump());
      }
    }
  }
}
