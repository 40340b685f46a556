package dev.hprp.proxy.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * A client that writes as fast as its socket drains until the socket stops draining for a second: measures how much
 * a path absorbs when its far end reads nothing. Everything runs on one context, so the counters need no locks.
 */
public final class Flood {

  private static final long QUIET_MILLIS = 1000;

  private final Context context;
  /** Kept so the client, which Vert.x closes with its sockets once unreachable, lives as long as the flood. */
  private final NetClient client;
  private final NetSocket socket;
  private final long cap;
  private final Promise<Long> stalled = Promise.promise();
  private final Buffer chunk = Buffer.buffer(new byte[Payloads.CHUNK]);
  private long written;

  private Flood(Context context, NetClient client, NetSocket socket, long cap) {
    this.context = context;
    this.client = client;
    this.socket = socket;
    this.cap = cap;
  }

  /**
   * Connects to {@code 127.0.0.1:port} and starts writing zeros.
   *
   * @param cap bytes after which the flood gives up: {@link #stalled()} then fails, as the path never pushed back
   */
  public static Future<Flood> start(Vertx vertx, int port, long cap) {
    Context context = vertx.getOrCreateContext();
    Promise<Flood> started = Promise.promise();
    NetClient client = vertx.createNetClient();
    context.runOnContext(v -> client.connect(port, "127.0.0.1").onSuccess(socket -> {
      Flood flood = new Flood(context, client, socket, cap);
      flood.pump();
      started.complete(flood);
    }).onFailure(started::fail));
    return started.future();
  }

  /**
   * Completes with the bytes written once the socket stayed full for a second, after which the flood writes no
   * more; fails past the cap.
   */
  public Future<Long> stalled() {
    return stalled.future();
  }

  /** Closes the socket and its client. */
  public Future<Void> close() {
    return client.close();
  }

  private void pump() {
    if (stalled.future().isComplete()) {
      return;
    }
    while (!socket.writeQueueFull() && written < cap) {
      socket.write(chunk.copy());
      written += chunk.length();
    }
    if (written >= cap) {
      stalled.tryFail("wrote " + cap + " bytes into a path whose far end reads nothing: no backpressure");
      return;
    }
    long mark = written;
    socket.drainHandler(v -> pump());
    context.owner().setTimer(QUIET_MILLIS, id -> {
      if (written == mark) {
        stalled.tryComplete(mark);
      }
    });
  }
}
