package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP backend for HTTP-mode tests on {@code 127.0.0.1} and an ephemeral port: by default it answers every
 * request with its name; a handler of the test's own may do anything else. It counts the connections it accepted
 * (the pool's size as the backend sees it), keeps those open, and records each request's head. Thread-safe counters.
 */
public final class HttpBackend {

  private final String name;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
  private final Queue<MultiMap> heads = new ConcurrentLinkedQueue<>();
  private HttpServer server;

  private HttpBackend(String name) {
    this.name = name;
  }

  /** A backend answering {@code 200} with its name as the body. */
  public static Future<HttpBackend> named(Vertx vertx, String name) {
    return start(vertx, name, new HttpServerOptions(), null);
  }

  /** A backend whose requests go to {@code handler} (after being counted and recorded). */
  public static Future<HttpBackend> start(Vertx vertx, String name, Handler<HttpServerRequest> handler) {
    return start(vertx, name, new HttpServerOptions(), handler);
  }

  /** As {@link #start(Vertx, String, Handler)}, with server options (an idle timeout, say); null handler: named. */
  public static Future<HttpBackend> start(Vertx vertx, String name, HttpServerOptions options,
      Handler<HttpServerRequest> handler) {
    HttpBackend backend = new HttpBackend(name);
    Handler<HttpServerRequest> answer = handler != null ? handler
        : request -> request.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end(name);
    backend.server = vertx.createHttpServer(new HttpServerOptions(options).setHost("127.0.0.1").setPort(0))
        .connectionHandler(connection -> {
          backend.accepted.incrementAndGet();
          backend.open.add(connection);
          connection.closeHandler(v -> backend.open.remove(connection));
        })
        .requestHandler(request -> {
          backend.requests.incrementAndGet();
          backend.heads.add(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
          answer.handle(request);
        });
    return backend.server.listen().map(backend);
  }

  public Backend backend() {
    return new Backend("127.0.0.1", server.actualPort());
  }

  public String name() {
    return name;
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return open.size();
  }

  /** Requests received so far. */
  public int requests() {
    return requests.get();
  }

  /** The heads of the requests received, in order. */
  public Queue<MultiMap> heads() {
    return heads;
  }

  /** Closes every open connection (as a backend's idle timeout would). */
  public void closeConnections() {
    open.forEach(HttpConnection::close);
  }

  public Future<Void> close() {
    return server.close();
  }
}
