package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Echo backends on one port at several loopback addresses ({@code 127.0.0.1}, {@code 127.0.0.2}, ...), as the
 * addresses behind one DNS name on one port are: what a {@code dns:NAME:PORT} source finds.
 *
 * <p>Thread-safe counters; {@link #sockets(int)} holds each one's open connections.
 */
public final class SamePortBackends {

  /** Tries at finding a port free on every address (another process could take it between the binds). */
  private static final int ATTEMPTS = 10;

  private final List<NetServer> servers = new ArrayList<>();
  private final List<AtomicInteger> accepted = new ArrayList<>();
  private final List<Set<NetSocket>> sockets = new ArrayList<>();
  private int port;

  private SamePortBackends() {
  }

  /** Starts {@code count} echo backends, {@code 127.0.0.1} to {@code 127.0.0.<count>}, on one ephemeral port. */
  public static SamePortBackends start(Vertx vertx, int count) {
    for (int attempt = 1; ; attempt++) {
      SamePortBackends backends = new SamePortBackends();
      try {
        for (int i = 0; i < count; i++) {
          backends.listen(vertx, i);
        }
        return backends;
      } catch (Exception e) {
        backends.close();
        if (attempt == ATTEMPTS) {
          throw new IllegalStateException("no port free on " + count + " loopback addresses", e);
        }
      }
    }
  }

  private void listen(Vertx vertx, int index) {
    AtomicInteger count = new AtomicInteger();
    Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    NetServer server = vertx.createNetServer(new NetServerOptions().setHost(address(index)).setPort(port))
        .connectHandler(socket -> {
          count.incrementAndGet();
          open.add(socket);
          socket.closeHandler(v -> open.remove(socket));
          socket.pipeTo(socket);
        });
    int bound = server.listen().await().actualPort();
    servers.add(server);
    accepted.add(count);
    sockets.add(open);
    port = bound;
  }

  /** The address of backend {@code index}, from 0: {@code 127.0.0.<index + 1>}. */
  public static String address(int index) {
    return "127.0.0." + (index + 1);
  }

  /** The port they all listen on. */
  public int port() {
    return port;
  }

  /** Backend {@code index} as a proxy {@link Backend}. */
  public Backend backend(int index) {
    return new Backend(address(index), port);
  }

  /** Connections backend {@code index} accepted. */
  public int accepted(int index) {
    return accepted.get(index).get();
  }

  /** Backend {@code index}'s open connections; live view. */
  public Set<NetSocket> sockets(int index) {
    return sockets.get(index);
  }

  /** Stops every backend, closing their connections. */
  public void close() {
    sockets.forEach(open -> open.forEach(NetSocket::close));
    Future.join(servers.stream().map(NetServer::close).toList()).await();
  }
}
