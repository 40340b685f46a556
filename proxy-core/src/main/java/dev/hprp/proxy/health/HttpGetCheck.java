package dev.hprp.proxy.health;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Objects;
import java.util.function.IntPredicate;

/** Healthy when {@code GET path} answers a status the predicate accepts; the body is read and dropped. */
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
    HttpClient client = context.vertx().createHttpClient(
        new HttpClientOptions().setKeepAlive(false).setConnectTimeout(timeoutMillis));
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(context.backend().host())
        .setPort(context.backend().port())
        .setURI(path)
        .setIdleTimeout(timeoutMillis);
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
