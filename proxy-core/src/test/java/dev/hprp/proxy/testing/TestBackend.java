package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for tests, on {@code 127.0.0.1} (or another loopback address, such as {@code ::1}) and an ephemeral port,
 * in one of a few behaviours.
 *
 * <p>Start with {@link #start(Vertx, Mode)} (or the overload with a fixed response) and stop with {@link #close()}.
 * Counters are thread-safe. The sockets it accepted are kept in {@link #sockets()} so tests can pause, resume or
 * close them.
 */
public final class TestBackend {

  /** What the backend does with each connection. */
  public enum Mode {
    /** Writes back every byte it reads, with backpressure; closes when the client closes. */
    ECHO,
    /** Writes {@link #response()} on the first bytes it reads, then closes after the write flushed. */
    FIXED_RESPONSE,
    /** Accepts and then never reads nor writes: the black hole. */
    UNRESPONSIVE,
    /** Accepts and resets the connection at once (SO_LINGER 0 close). */
    RESET_ON_ACCEPT
  }

  private final Vertx vertx;
  private final String host;
  private final Mode mode;
  private final Buffer response;
  private final AtomicInteger accepted = new AtomicInteger();
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  private TestBackend(Vertx vertx, String host, Mode mode, Buffer response) {
    this.vertx = vertx;
    this.host = host;
    this.mode = mode;
    this.response = response;
  }

  /** Starts a backend in {@code mode}; FIXED_RESPONSE answers {@code "ok"}. */
  public static Future<TestBackend> start(Vertx vertx, Mode mode) {
    return start(vertx, mode, Buffer.buffer("ok"));
  }

  /** Starts a backend in {@code mode} answering {@code response} in FIXED_RESPONSE mode. */
  public static Future<TestBackend> start(Vertx vertx, Mode mode, Buffer response) {
    return startOn(vertx, "127.0.0.1", mode, response);
  }

  /** Starts a backend in {@code mode} on the IP literal {@code host}, such as {@code ::1}; FIXED_RESPONSE says "ok". */
  public static Future<TestBackend> startOn(Vertx vertx, String host, Mode mode) {
    return startOn(vertx, host, mode, Buffer.buffer("ok"));
  }

  private static Future<TestBackend> startOn(Vertx vertx, String host, Mode mode, Buffer response) {
    TestBackend backend = new TestBackend(vertx, host, mode, response);
    return backend.listen(0).map(backend);
  }

  /** Starts a FIXED_RESPONSE backend whose answer is {@code name}, to tell backends apart. */
  public static Future<TestBackend> named(Vertx vertx, String name) {
    return start(vertx, Mode.FIXED_RESPONSE, Buffer.buffer(name));
  }

  /** Listens again on the same port after {@link #close()}: a restarted backend. */
  public Future<TestBackend> restart() {
    return listen(port).map(this);
  }

  private Future<Void> listen(int onPort) {
    NetServerOptions options = new NetServerOptions().setHost(host).setPort(onPort).setReuseAddress(true);
    if (mode == Mode.RESET_ON_ACCEPT) {
      options.setSoLinger(0);
    }
    server = vertx.createNetServer(options).connectHandler(this::accept);
    return server.listen().map(s -> {
      port = s.actualPort();
      return null;
    });
  }

  private void accept(NetSocket socket) {
    accepted.incrementAndGet();
    sockets.add(socket);
    socket.closeHandler(v -> sockets.remove(socket));
    switch (mode) {
      case ECHO -> socket.pipeTo(socket);
      case FIXED_RESPONSE -> socket.handler(data -> {
        socket.handler(null);
        socket.write(response).onComplete(ar -> socket.close());
      });
      case UNRESPONSIVE -> socket.pause();
      case RESET_ON_ACCEPT -> socket.close();
    }
  }

  /** Stops listening and closes every connection it accepted. */
  public Future<Void> close() {
    sockets.forEach(NetSocket::close);
    return server.close();
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** This backend as a proxy {@link Backend}, on the address it listens on. */
  public Backend backend() {
    return new Backend(host, port);
  }

  /** Connections accepted since start. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections open now; live view. */
  public Set<NetSocket> sockets() {
    return sockets;
  }

  /** The FIXED_RESPONSE answer. */
  public Buffer response() {
    return response;
  }
}
