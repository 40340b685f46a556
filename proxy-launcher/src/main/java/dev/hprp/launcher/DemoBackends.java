package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The backends of {@code --demo}: three HTTP servers on 127.0.0.1 and ephemeral ports. Backend N answers every
 * request, {@code /health} included, with 200 and {@code demo-backend-N} plus a newline, so successive
 * {@code curl}s through the proxy show the balancing. They live on the launcher's {@code Vertx} and close with it.
 */
final class DemoBackends {

  static final int COUNT = 3;

  private DemoBackends() {
  }

  /** Starts the servers; the future holds their addresses in order. */
  static Future<List<Backend>> start(Vertx vertx) {
    List<Future<Backend>> started = IntStream.rangeClosed(1, COUNT)
        .mapToObj(n -> start(vertx, "demo-backend-" + n))
        .toList();
    return Future.all(started).map(all -> all.<Backend>list());
  }

  private static Future<Backend> start(Vertx vertx, String name) {
    return vertx.createHttpServer()
        .requestHandler(request -> request.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
            .end(name + "\n"))
        .listen(0, "127.0.0.1")
        .map(server -> new Backend("127.0.0.1", server.actualPort()));
  }
}
