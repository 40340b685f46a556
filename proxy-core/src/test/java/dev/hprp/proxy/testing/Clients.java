package dev.hprp.proxy.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.lang.ref.Reference;

/** Client-side helpers for relay tests. */
public final class Clients {

  private Clients() {
  }

  /**
   * Runs {@code action} on a fresh event-loop context and returns its result: a socket must be driven from its own
   * event loop, or its handlers race with the data they are meant to see.
   */
  public static <T> Future<T> onEventLoop(Vertx vertx, java.util.function.Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> action.get().onComplete(result));
    return result.future();
  }

  /**
   * Connects to {@code 127.0.0.1:port}, writes {@code request}, and collects everything received until the
   * connection closes.
   */
  public static Future<Buffer> exchange(Vertx vertx, NetClient client, int port, Buffer request) {
    // On an event loop, so the handlers are set in the tick the socket connects and no early close is missed.
    return onEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(socket -> readAll(socket, request)))
        // Vert.x closes a client that becomes unreachable (a Cleaner), its connections with it: one made inline for
        // this exchange is kept until the exchange is over, or a garbage collection could cut it.
        .andThen(done -> Reference.reachabilityFence(client));
  }

  /** Writes {@code request} on {@code socket} and collects everything it receives until it closes. */
  private static Future<Buffer> readAll(NetSocket socket, Buffer request) {
    Promise<Buffer> received = Promise.promise();
    Buffer all = Buffer.buffer();
    socket.handler(all::appendBuffer);
    socket.closeHandler(v -> received.tryComplete(all));
    socket.exceptionHandler(received::tryFail);
    socket.write(request);
    return received.future();
  }
}
