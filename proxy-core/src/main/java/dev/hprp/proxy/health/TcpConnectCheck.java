package dev.hprp.proxy.health;

import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.impl.ProxyHeaders;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * Healthy when a TCP connect succeeds; the socket is closed straight away, after a PROXY header when the context asks
 * for one.
 */
final class TcpConnectCheck implements HealthCheck {

  static final TcpConnectCheck INSTANCE = new TcpConnectCheck();

  private TcpConnectCheck() {
  }

  @Override
  public Future<Void> check(HealthCheckContext context) {
    // A client per probe: probes are seconds apart, and a shared client would outlive the proxy that made it.
    NetClient client = context.vertx().createNetClient(
        new NetClientOptions().setConnectTimeout((int) context.timeout().toMillis()));
    ProxyProtocolVersion header = context.proxyProtocol();
    return client.connect(context.backend().port(), context.backend().host())
        .compose(socket -> header == ProxyProtocolVersion.NONE ? socket.close()
            : socket.end(Buffer.buffer(ProxyHeaders.local(header))))
        .eventually(client::close);
  }

  @Override
  public String toString() {
    return "tcp";
  }
}
