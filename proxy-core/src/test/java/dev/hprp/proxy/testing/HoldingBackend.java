package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend that holds every connection until the test releases it, and counts how many it has open at once: each
 * connection, on its first bytes, is answered with the backend's name and closed, but only once {@link #release()}
 * was called (those that came before wait). On {@code 127.0.0.1} and an ephemeral port.
 *
 * <p>State is touched on the backend's one event loop only; the counters are read from any thread.
 */
public final class HoldingBackend {

  private final String name;
  private NetServer server;
  private Context context;
  /** Confined to the server's event loop. */
  private final List<NetSocket> waiting = new ArrayList<>();
  private boolean released;
  private volatile int open;
  private volatile int maxOpen;
  private volatile int accepted;

  private HoldingBackend(String name) {
    this.name = name;
  }

  /** Starts a backend answering {@code name}. */
  public static HoldingBackend start(Vertx vertx, String name) {
    HoldingBackend backend = new HoldingBackend(name);
    return Clients.onEventLoop(vertx, () -> backend.listen(vertx)).await();
  }

  private Future<HoldingBackend> listen(Vertx vertx) {
    context = Vertx.currentContext();
    server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(this::accept);
    return server.listen().map(s -> this);
  }

  private void accept(NetSocket socket) {
    accepted++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    socket.closeHandler(v -> open--);
    socket.handler(data -> {
      socket.handler(null);
      if (released) {
        answer(socket);
      } else {
        waiting.add(socket);
      }
    });
  }

  private void answer(NetSocket socket) {
    socket.write(Buffer.buffer(name)).onComplete(ar -> socket.close());
  }

  /** Answers the connections waiting, and every later one at once. */
  public void release() {
    context.runOnContext(v -> {
      released = true;
      waiting.forEach(this::answer);
      waiting.clear();
    });
  }

  /** Stops listening and closes what is open. */
  public Future<Void> close() {
    return server.close();
  }

  /** This backend as a proxy {@link Backend}. */
  public Backend backend() {
    return new Backend("127.0.0.1", server.actualPort());
  }

  /** Connections open now. */
  public int open() {
    return open;
  }

  /** The most connections it had open at once. */
  public int maxOpen() {
    return maxOpen;
  }

  /** Connections accepted since start. */
  public int accepted() {
    return accepted;
  }
}
