package dev.hprp.proxy.impl;

import dev.hprp.proxy.ReverseProxyOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * One accepting server and one upstream client, both on this verticle's event loop, so a relay's two sockets share
 * a thread and no byte crosses threads. The proxy deploys one instance per event loop on the same port; Vert.x
 * spreads accepted connections over them.
 */
final class ProxyServerVerticle extends VerticleBase {

  private final ReverseProxyOptions options;
  private final int port;
  private final BackendRegistry registry;
  private final HealthMonitor monitor;
  private NetServer server;

  ProxyServerVerticle(ReverseProxyOptions options, int port, BackendRegistry registry, HealthMonitor monitor) {
    this.options = options;
    this.port = port;
    this.registry = registry;
    this.monitor = monitor;
  }

  @Override
  public Future<?> start() {
    NetClient client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) options.getConnectTimeout().toMillis())
        .setTcpNoDelay(true));
    RelaySettings settings = new RelaySettings(client, registry, monitor, options.getMaxConnectAttempts(),
        options.getIdleTimeout().toNanos());
    server = vertx.createNetServer(new NetServerOptions()
            .setHost(options.getHost())
            .setPort(port)
            .setTcpNoDelay(true)
            .setAcceptBacklog(4096))
        .connectHandler(socket -> TcpRelay.start(socket, settings));
    return server.listen();
  }

  /** The bound port; valid once started. */
  int actualPort() {
    return server.actualPort();
  }
}
