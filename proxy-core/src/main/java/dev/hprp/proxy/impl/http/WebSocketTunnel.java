package dev.hprp.proxy.impl.http;

import dev.hprp.proxy.impl.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayDeque;

/**
 * A WebSocket after its 101: the client's and the backend's sockets relayed as they are, both ways, with
 * backpressure (a side whose write queue is full stops reads on the other until it drains), whatever the frame sizes.
 * One side's end or failure ends the other once what it was handed is flushed; when both are closed the tunnel is
 * done, once. On the client's event loop, where both sockets live.
 */
final class WebSocketTunnel {

  /** What the tunnel's owner is told when it is done. */
  @FunctionalInterface
  interface Done {

    /**
     * Both sockets are closed.
     *
     * @param failure      the first failure seen, or null when both sides closed cleanly
     * @param clientFailed whether that failure was the client's socket's (false when there was none)
     */
    void closed(Throwable failure, boolean clientFailed);
  }

  private final NetSocket client;
  private final NetSocket backend;
  private final Upstream upstream;
  private final Done done;
  private boolean clientClosed;
  private boolean backendClosed;
  private Throwable failure;
  private boolean clientFailed;

  private WebSocketTunnel(NetSocket client, NetSocket backend, Upstream upstream, Done done) {
    this.client = client;
    this.backend = backend;
    this.upstream = upstream;
    this.done = done;
  }

  /**
   * Sends the client the 101 with the headers already on {@code request.response()} (the backend's), then relays.
   *
   * @param done called once both sockets are closed, with the first failure seen or null
   */
  static void open(HttpServerRequest request, NetSocket backend, Upstream upstream, Done done) {
    backend.pause();
    // The client may send its first frames as soon as it reads the 101, before the socket Vert.x makes of its
    // connection has a handler (which would drop them): they are held at the head of the pipeline meanwhile.
    Hold hold = null;
    if (request.connection() instanceof ConnectionBase connection) {
      hold = new Hold();
      connection.channel().pipeline().addFirst(Hold.NAME, hold);
    }
    Hold held = hold;
    request.toNetSocket().onComplete(ar -> {
      if (ar.failed()) {
        backend.close();
        done.closed(ar.cause(), true); // the client's connection could not become a socket
        return;
      }
      new WebSocketTunnel(ar.result(), backend, upstream, done).relay();
      if (held != null) {
        held.release();
      }
    });
  }

  /** Holds what a client sends between its upgrade and the tunnel, then passes it on, in order. */
  private static final class Hold extends ChannelInboundHandlerAdapter {
    static final String NAME = "hprp-upgrade-hold";
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean released;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (released) {
        ctx.fireChannelRead(msg);
      } else {
        held.add(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (released) {
        ctx.fireChannelReadComplete();
      }
    }

    void release() {
      released = true;
      Object msg;
      boolean any = false;
      while ((msg = held.poll()) != null) {
        ctx.fireChannelRead(msg);
        any = true;
      }
      if (any) {
        ctx.fireChannelReadComplete();
      }
      ctx.pipeline().remove(this);
    }
  }

  private void relay() {
    client.closeHandler(v -> {
      clientClosed = true;
      closed();
    });
    backend.closeHandler(v -> {
      backendClosed = true;
      closed();
    });
    pump(client, backend, true);
    pump(backend, client, false);
    client.resume(); // the request it came from was paused when it arrived
    backend.resume();
  }

  private void pump(NetSocket from, NetSocket to, boolean towardBackend) {
    to.drainHandler(v -> from.resume());
    from.handler(buffer -> {
      if (towardBackend) {
        upstream.sentToBackend(buffer.length());
      } else {
        upstream.receivedFromBackend(buffer.length());
      }
      to.write(buffer);
      if (to.writeQueueFull()) {
        from.pause();
      }
    });
    from.endHandler(v -> to.end());
    from.exceptionHandler(cause -> {
      if (failure == null) {
        failure = cause;
        clientFailed = towardBackend; // the socket read from is the one that failed
      }
      from.close();
      to.close();
    });
  }

  private void closed() {
    if (clientClosed && backendClosed) {
      done.closed(failure, clientFailed);
    } else if (clientClosed) {
      backend.end();
    } else {
      client.end();
    }
  }
}
