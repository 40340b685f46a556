package dev.hprp.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.StandardError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The built-in checks against real servers. */
@ExtendWith(VertxExtension.class)
class HealthChecksIT {

  private Vertx vertx;
  private Backend http;

  /** Answers the status named by the path: {@code /status/503} answers 503. */
  @BeforeEach
  void startServer(Vertx vertx) {
    this.vertx = vertx;
    HttpServer server = vertx.createHttpServer().requestHandler(request -> request.response()
        .setStatusCode(Integer.parseInt(request.path().substring("/status/".length())))
        .end("body"));
    http = new Backend("127.0.0.1", server.listen(0, "127.0.0.1").await().actualPort());
  }

  private Future<Void> probe(HealthCheck check, Backend backend) {
    return check.check(new HealthCheckContext() {
      @Override
      public Backend backend() {
        return backend;
      }

      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public Duration timeout() {
        return Duration.ofSeconds(2);
      }
    });
  }

  @Test
  void httpGetIsHealthyOnSuccessAndRedirect() {
    probe(HealthCheck.httpGet("/status/200"), http).await();
    probe(HealthCheck.httpGet("/status/204"), http).await();
    probe(HealthCheck.httpGet("/status/302"), http).await();
  }

  @Test
  void httpGetFailsOnServerErrorNamingTheStatus() {
    assertThatThrownBy(() -> probe(HealthCheck.httpGet("/status/503"), http).await())
        .hasMessage("HTTP 503 on GET /status/503");
  }

  @Test
  void httpGetFailsOnClientError() {
    assertThatThrownBy(() -> probe(HealthCheck.httpGet("/status/404"), http).await())
        .hasMessage("HTTP 404 on GET /status/404");
  }

  @Test
  void httpGetAcceptsConfiguredStatuses() {
    probe(HealthCheck.httpGet("/status/404", status -> status == 404), http).await();
    assertThatThrownBy(() -> probe(HealthCheck.httpGet("/status/200", status -> status == 404), http).await())
        .hasMessage("HTTP 200 on GET /status/200");
  }

  @Test
  void httpGetFailsWhenNothingListens() {
    assertThatThrownBy(() -> probe(HealthCheck.httpGet("/health"), Ports.refusingBackend()).await())
        .hasMessageContaining("Connection refused");
  }

  @Test
  void httpGetRejectsARelativePath() {
    assertThatThrownBy(() -> HealthCheck.httpGet("health")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("health check path: 'health' (expected: an absolute path such as /health, no spaces or control"
            + " characters)");
  }

  @Test
  void tcpConnectIsHealthyWhenAConnectionOpens() {
    probe(HealthCheck.tcpConnect(), http).await();
  }

  @Test
  void httpGetFailsOnAResetAndLeavesTheLoggingToTheMonitor() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread resetter = new Thread(() -> {
        try (Socket socket = server.accept()) {
          socket.getInputStream().read(new byte[4096]); // the probe's request
          socket.setSoLinger(true, 0); // closed with a reset
        } catch (IOException ignored) {
          // the probe's failure is what the test looks at
        }
      });
      resetter.start();
      String logged = StandardError.capturedWhile(() ->
          assertThatThrownBy(() -> probe(HealthCheck.httpGet("/health"), new Backend("127.0.0.1", server.getLocalPort()))
              .await()).isNotNull());
      resetter.join(5_000);
      assertThat(logged).doesNotContain("ERROR");
    }
  }

  @Test
  void tcpConnectFailsWhenRefused() {
    assertThat(probe(HealthCheck.tcpConnect(), Ports.refusingBackend()).transform(Future::succeededFuture).await()
        .failed()).isTrue();
  }
}
