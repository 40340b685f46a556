package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A port on {@code 127.0.0.1} where a connect neither succeeds nor is refused: it times out, like a host that drops
 * packets. Unlike {@link TestBackend.Mode#UNRESPONSIVE}, which completes the handshake and then stays silent, this
 * exercises the proxy's connect timeout on loopback.
 *
 * <p>How: a listening socket that never accepts, with a backlog of one, whose accept queue is filled by connections
 * of its own. Linux then drops further SYNs ({@code net.ipv4.tcp_abort_on_overflow = 0}, the default), so the
 * connecting side keeps retrying until its timeout. Close it with {@link #close()}. Not thread-safe.
 */
public final class HandshakeBlackHole implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> fillers = new ArrayList<>();

  private HandshakeBlackHole(ServerSocket server) {
    this.server = server;
  }

  /**
   * Opens the port and fills its accept queue.
   *
   * @throws IllegalStateException when the queue cannot be filled (the kernel answers every SYN)
   */
  public static HandshakeBlackHole open() {
    try {
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      HandshakeBlackHole hole = new HandshakeBlackHole(new ServerSocket(0, 1, loopback));
      // The queue holds backlog + 1 connections; a few more attempts than that, each bounded, prove it is full.
      for (int i = 0; i < 8; i++) {
        Socket filler = new Socket();
        try {
          filler.connect(new InetSocketAddress(loopback, hole.port()), 200);
          hole.fillers.add(filler);
        } catch (SocketTimeoutException full) {
          filler.close();
          return hole;
        }
      }
      hole.close();
      throw new IllegalStateException("connects to a full accept queue are not dropped here");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port. */
  public int port() {
    return server.getLocalPort();
  }

  /** This port as a proxy {@link Backend} on {@code 127.0.0.1}. */
  public Backend backend() {
    return new Backend("127.0.0.1", port());
  }

  @Override
  public void close() throws IOException {
    for (Socket filler : fillers) {
      filler.close();
    }
    server.close();
  }
}
