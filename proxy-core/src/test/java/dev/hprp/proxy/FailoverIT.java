package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connect failures: the client is retried on other backends and closed only when every attempt failed. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class FailoverIT {

  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private void startProxy(Vertx vertx, List<Backend> backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        // Passive ejection would hide the refusing backend after a few failures; here every pick must fail over.
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
  }

  @Test
  void servesEveryClientWhenOneOfThreeBackendsRefuses(Vertx vertx) {
    TestBackend a = TestBackend.named(vertx, "a").await();
    Backend refusing = Ports.refusingBackend();
    TestBackend c = TestBackend.named(vertx, "c").await();
    startProxy(vertx, List.of(a.backend(), refusing, c.backend()));

    NetClient client = vertx.createNetClient();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi")).await().toString());
    }

    assertThat(answers).hasSize(30).allMatch(answer -> answer.equals("a") || answer.equals("c"));
    List<BackendStatus> statuses = proxy.backends();
    // A failed pick uses up its round-robin turn and the retry takes the next one, so the sequence runs
    // a, (refused -> c), a, (refused -> c), ...: the refusing backend is tried by every second client.
    assertThat(statuses.get(1).failedConnects()).isEqualTo(15);
    assertThat(statuses.get(0).totalConnections() + statuses.get(2).totalConnections()).isEqualTo(30);
    assertThat(statuses).allMatch(status -> status.activeConnections() == 0);
  }

  @Test
  void closesClientPromptlyWhenEveryBackendRefuses(Vertx vertx) {
    startProxy(vertx, List.of(Ports.refusingBackend(), Ports.refusingBackend(), Ports.refusingBackend()));

    NetClient client = vertx.createNetClient();
    List<Future<Buffer>> exchanges = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      exchanges.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi")));
    }
    // Each exchange completes when the proxy closes the client; a hang would trip the test timeout.
    Future.all(exchanges).await();

    exchanges.forEach(exchange -> assertThat(exchange.result().length()).isZero());
    List<BackendStatus> statuses = proxy.backends();
    assertThat(statuses).allMatch(status -> status.activeConnections() == 0 && status.totalConnections() == 0);
    // Three attempts per client (the default), each on a distinct backend.
    assertThat(statuses).allMatch(status -> status.failedConnects() == 20);
  }
}
