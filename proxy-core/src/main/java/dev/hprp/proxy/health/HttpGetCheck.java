package dev.hprp.proxy.health;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * Healthy when {@code GET path} answers a status the predicate accepts; the body is read and dropped. Over TLS when the
 * proxy speaks TLS to the backends ({@link HealthCheckContext#backendTls()}).
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
    // Keep-alive off: a probe must see whether the backend still accepts, not reuse yesterday's connection.
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(false).setConnectTimeout(timeoutMillis);
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(context.backend().host())
        .setPort(context.backend().port())
        .setURI(path)
        .setIdleTimeout(timeoutMillis);
    context.backendTls().ifPresent(tls -> {
      // As the proxy's own backend connections: the certificate verified against the same authorities and name.
      options.setSsl(true).setForceSni(true);
      if (tls.isInsecure()) {
        options.setTrustAll(true).setVerifyHost(false);
      } else {
        options.setVerifyHost(true);
        tls.getCa().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
      }
      tls.getServerName().ifPresent(name -> request.setHost(name)
          .setServer(SocketAddress.inetSocketAddress(context.backend().port(), context.backend().host())));
    });
    HttpClient client = context.vertx().createHttpClient(options);
    return client.request(request)
        .compose(req -> req.send())
        .compose(response -> response.body().compose(body -> expectedStatus.test(response.statusCode())
            ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture("HTTP " + response.statusCode() + " on GET " + path)))
        .eventually(client::close);
  }

  @Override
  public String toString() {
    return "http:" + path;
  }
}
