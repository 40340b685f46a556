package dev.hprp.proxy.health;

import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/** Healthy when a TCP connect succeeds; the socket is closed straight away. */
final class TcpConnectCheck implements HealthCheck {

  static final TcpConnectCheck INSTANCE = new TcpConnectCheck();

  private TcpConnectCheck() {
  }

  @Override
  public Future<Void> check(HealthCheckContext context) {
    // A client per probe: probes are seconds apart, and a shared client would outlive the proxy that made it.
    NetClient client = context.vertx().createNetClient(
        new NetClientOptions().setConnectTimeout((int) context.timeout().toMillis()));
    return client.connect(context.backend().port(), context.backend().host())
        .compose(socket -> socket.close())
        .eventually(client::close);
  }

  @Override
  public String toString() {
    return "tcp";
  }
}
