package dev.hprp.proxy.health;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.impl.TlsContexts;
import dev.hprp.proxy.impl.http.UpstreamPreamble;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Healthy when {@code GET path} answers a status the predicate accepts; the body is read and dropped. The connection
 * begins as the proxy's own backend connections in HTTP mode do: with the PROXY header the context asks for
 * ({@link HealthCheckContext#proxyProtocol()}, a {@code LOCAL}/{@code UNKNOWN} one), then TLS when the proxy speaks TLS
 * to the backends ({@link HealthCheckContext#backendTls()}), the certificate verified as the proxy verifies it.
 */
final class HttpGetCheck implements HealthCheck {

  private final String path;
  private final IntPredicate expectedStatus;

  HttpGetCheck(String path, IntPredicate expectedStatus) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
      throw new IllegalArgumentException("health check path: '" + path
          + "' (expected: an absolute path such as /health, no spaces or control characters)");
    }
    this.path = path;
    this.expectedStatus = Objects.requireNonNull(expectedStatus, "expectedStatus");
  }

  @Override
  public Future<Void> check(HealthCheckContext context) {
    int timeoutMillis = (int) context.timeout().toMillis();
    Backend backend = context.backend();
    // Keep-alive off: a probe must see whether the backend still accepts, not reuse yesterday's connection.
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(false).setConnectTimeout(timeoutMillis);
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(backend.host())
        .setPort(backend.port())
        .setURI(path)
        .setIdleTimeout(timeoutMillis);
    context.backendTls().ifPresent(tls -> {
      // Vert.x, seeing plain TCP under it, would write http's Host header (":443" kept, ":80" dropped): written as an
      // https client writes it, with the name sent as SNI, which virtual hosts match against.
      String name = tls.getServerName().orElse(backend.host());
      request.putHeader(HttpHeaders.HOST, HostAndPort.create(name, backend.port()).toString(true));
    });
    Function<ByteBufAllocator, SslHandler> tls = context.backendTls()
        .map(tlsOptions -> tlsHandlers(tlsOptions, backend, timeoutMillis)).orElse(null);
    ProxyProtocolVersion header = context.proxyProtocol();
    HttpClient client = context.vertx().httpClientBuilder().with(options)
        // A failure is the probe's result, logged by the monitor on a transition; without a handler Vert.x would log a
        // reset or a failed handshake as an error at every probe besides.
        .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
        .build();
    Future<HttpClientRequest> connected = client.request(request);
    if (header != ProxyProtocolVersion.NONE || tls != null) {
      // Null addresses: the LOCAL/UNKNOWN header, for a connection of the proxy's own with no client behind it.
      connected = connected.compose(req -> UpstreamPreamble.begin(req, header, null, null, tls));
    }
    return connected
        .compose(req -> req.send())
        .compose(response -> response.body().compose(body -> expectedStatus.test(response.statusCode())
            ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture("HTTP " + response.statusCode() + " on GET " + path)))
        .eventually(client::close);
  }

  /**
   * Makes the probe's TLS client handler: verifying and naming as the proxy's backend connections do, its handshake
   * bounded by the probe's timeout.
   */
  private static Function<ByteBufAllocator, SslHandler> tlsHandlers(BackendTlsOptions options, Backend backend,
      int timeoutMillis) {
    // Per probe, as the client: a check has nothing outliving a probe to keep it in, and probes are seconds apart.
    SslContext context = TlsContexts.client(options);
    String serverName = options.getServerName().orElse(null);
    return alloc -> {
      SslHandler handler = TlsContexts.clientHandler(context, serverName, alloc, backend.host(), backend.port());
      // Netty's default of 10 s would keep a stalled handshake's connection open long after the probe failed.
      handler.setHandshakeTimeoutMillis(timeoutMillis);
      return handler;
    };
  }

  @Override
  public String toString() {
    return "http:" + path;
  }
}
