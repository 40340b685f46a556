package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;

/**
 * TCP mode on one event loop: an accepting server and the client that connects backends, both on this verticle's
 * event loop, so a relay's two sockets share a thread and no byte crosses threads. The proxy deploys one instance
 * per event loop on the same port; Vert.x spreads accepted connections over them.
 */
public final class TcpServerVerticle extends VerticleBase {

  private final ReverseProxyOptions options;
  private final int port;
  private final UpstreamConnector connector;
  private NetServer server;

  /**
   * @param port the port to bind, or Vert.x's negative "shared ephemeral port" number
   */
  public TcpServerVerticle(ReverseProxyOptions options, int port, UpstreamConnector connector) {
    this.options = options;
    this.port = port;
    this.connector = connector;
  }

  @Override
  public Future<?> start() {
    NetClient client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) options.getConnectTimeout().toMillis())
        .setTcpNoDelay(true));
    TcpRelay.Settings settings = new TcpRelay.Settings(client, connector, options.getIdleTimeout().toNanos());
    server = vertx.createNetServer(new NetServerOptions()
            .setHost(options.getHost())
            .setPort(port)
            .setTcpNoDelay(true)
            .setAcceptBacklog(4096))
        .connectHandler(socket -> TcpRelay.start(socket, settings));
    return server.listen();
  }

  /**
   * Stops accepting at once; relayed connections go on (each client socket has a shutdown handler) until they end or
   * {@code timeout} is over, when Vert.x closes what is left.
   */
  public Future<Void> shutdown(Duration timeout) {
    return server.shutdown(timeout);
  }

  /** The bound port; valid once started. */
  public int actualPort() {
    return server.actualPort();
  }
}
