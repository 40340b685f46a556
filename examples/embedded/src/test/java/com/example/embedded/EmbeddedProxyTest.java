package com.example.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * README.md's embedding example, as a user of the published artifacts runs it: the code between the README markers
 * is the README's, character for character (the root build's ReadmeTest checks that).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class EmbeddedProxyTest {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedProxyTest.class);
  private static final boolean LINUX_X86_64 =
      System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");

  @Test
  void readmeExampleProxiesToEveryBackend(Vertx backendVertx) throws InterruptedException {
    List<String> started = startBackends(backendVertx, 4).stream().map(port -> "127.0.0.1:" + port).toList();
    String backends = String.join(",", started.subList(0, 3));
    String extra = started.get(3);
    String host = "127.0.0.1";
    int port = 0;

    // README-BEGIN
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));  // epoll when available
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(Backend.parseList(backends))     // such as "10.0.0.1:3001,10.0.0.2:3001:2" (host:port[:weight])
        .balancer(Balancer.roundRobin())
        .healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofSeconds(1)))
        .onBackendEvent(event -> log.info("{}", event))  // added, removed, health or admin state changed
        .with(new ReverseProxyOptions().setHost(host).setPort(port))  // port 0: any free port, see actualPort()
        .build();
    proxy.start().await();                         // blocks until listening; never call await() on an event loop
    log.info("listening on port {}, backends {}", proxy.actualPort(), proxy.backends());
    // README-END
    try {
      if (LINUX_X86_64) {
        assertTrue(vertx.isNativeTransportEnabled(), () -> "epoll from the BOM-managed jar: "
            + vertx.unavailableNativeTransportCause());
      }
      // UP after the first probe round, or after `rise` more probes when a cold JVM's first one timed out.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!proxy.backends().stream().map(BackendStatus::health).allMatch(BackendHealth.UP::equals)) {
        assertTrue(System.nanoTime() < deadline, () -> "backends not all UP: " + proxy.backends());
        Thread.sleep(50);
      }
      // A new connection per request, so that each one is balanced.
      HttpClient client = backendVertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      Set<String> answers = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        answers.add(client.request(HttpMethod.GET, proxy.actualPort(), "127.0.0.1", "/")
            .compose(request -> request.send())
            .compose(HttpClientResponse::body)
            .await()
            .toString());
      }
      assertEquals(Set.of("backend-0\n", "backend-1\n", "backend-2\n"), answers, "round-robin over the three");

      // README-BEGIN
      proxy.addBackend(Backend.parse(extra)).await();              // in rotation once its first probe answered
      proxy.setWeight(extra, 3).await();                           // new connections follow the new weight
      proxy.drain(extra).await();                                  // no new connection; open ones go on
      proxy.enable(extra).await();                                 // back in rotation
      proxy.removeBackend(extra, Duration.ofSeconds(30)).await();  // drained (open ones cut at 30 s), then gone
      proxy.updateBackends(Backend.parseList(backends + "," + extra + ":2"), Duration.ofSeconds(30))
          .await();                                                // the whole set: adds, re-weights, removes
      // README-END
      assertEquals(List.of(started.get(0), started.get(1), started.get(2), extra),
          proxy.backends().stream().map(BackendStatus::id).toList(), "the whole set after the update");
      assertEquals(2, proxy.backends().get(3).backend().weight(), "the re-added backend's weight");
    } finally {
      // README-BEGIN
      proxy.close().await();                       // stops accepting and closes its connections
      vertx.close().await();                       // the Vertx is yours to close
      // README-END
    }
  }

  /** HTTP backends on loopback answering {@code backend-N} on every path; their ports. */
  private static List<Integer> startBackends(Vertx vertx, int count) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "backend-" + i + "\n";
      Future<HttpServer> server = vertx.createHttpServer()
          .requestHandler(request -> request.response().end(name))
          .listen(0, "127.0.0.1");
      ports.add(server.await().actualPort());
    }
    return ports;
  }
}
