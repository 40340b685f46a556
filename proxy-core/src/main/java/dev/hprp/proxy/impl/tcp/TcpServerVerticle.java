package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.impl.ProxyServer;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;

/**
 * TCP mode on one event loop: an accepting server and the dialer that connects backends, both on this verticle's
 * event loop, so a relay's two sockets share a thread and no byte crosses threads. The proxy deploys one instance
 * per event loop on the same port; Vert.x spreads accepted connections over them.
 */
public final class TcpServerVerticle extends VerticleBase implements ProxyServer {

  private final ReverseProxyOptions options;
  private final int port;
  private final UpstreamConnector connector;
  private final int poolSize;
  private NetServer server;
  private PreconnectPool pool;

  /**
   * @param port     the port to bind, or Vert.x's negative "shared ephemeral port" number
   * @param poolSize idle connections this event loop keeps open to each backend for new clients; 0: none
   */
  public TcpServerVerticle(ReverseProxyOptions options, int port, UpstreamConnector connector, int poolSize) {
    this.options = options;
    this.port = port;
    this.connector = connector;
    this.poolSize = poolSize;
  }

  @Override
  public Future<?> start() {
    BackendDialer dialer = new BackendDialer(vertx, ((ContextInternal) context).nettyEventLoop(),
        (int) options.getConnectTimeout().toMillis());
    if (poolSize > 0) {
      pool = new PreconnectPool(vertx, dialer, connector, poolSize);
      pool.start();
    }
    TcpRelay.Settings settings = new TcpRelay.Settings(dialer, pool, connector, options.getIdleTimeout().toNanos());
    server = vertx.createNetServer(new NetServerOptions()
            .setHost(options.getHost())
            .setPort(port)
            .setTcpNoDelay(true)
            .setAcceptBacklog(4096))
        .connectHandler(socket -> TcpRelay.start(socket, settings));
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    if (pool != null) {
      pool.close();
    }
    return Future.succeededFuture();
  }

  /**
   * Stops accepting at once; relayed connections go on (each client socket has a shutdown handler) until they end or
   * {@code timeout} is over, when Vert.x closes what is left.
   */
  @Override
  public Future<Void> shutdown(Duration timeout) {
    return server.shutdown(timeout);
  }

  @Override
  public int actualPort() {
    return server.actualPort();
  }
}
