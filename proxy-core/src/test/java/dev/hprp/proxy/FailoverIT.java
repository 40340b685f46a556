package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.AllBalancers;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Connect failures: the client is retried on other backends and closed only when every attempt failed. */
@ExtendWith(VertxExtension.class)
class FailoverIT {

  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  static Stream<Balancer> balancers() {
    return AllBalancers.all();
  }

  private void startProxy(Vertx vertx, Balancer balancer, List<Backend> backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        .balancer(balancer)
        // Passive ejection would hide the refusing backend after a few failures; here every pick must fail over.
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
  }

  @ParameterizedTest
  @MethodSource("balancers")
  void servesEveryClientWhenOneOfThreeBackendsRefuses(Balancer balancer, Vertx vertx) {
    List<String> answers = exchangeThirtyWithMiddleBackendRefusing(balancer, vertx);

    assertThat(answers).hasSize(30).allMatch(answer -> answer.equals("a") || answer.equals("c"));
    List<BackendStatus> statuses = proxy.backends();
    assertThat(statuses.get(0).totalConnections() + statuses.get(2).totalConnections()).isEqualTo(30);
    Await.noActiveConnections(proxy);
  }

  @Test
  void roundRobinRetryTakesTheNextTurn(Vertx vertx) {
    List<String> answers = exchangeThirtyWithMiddleBackendRefusing(Balancer.roundRobin(), vertx);

    // A failed pick uses up its round-robin turn and the retry takes the next one, so the sequence runs
    // a, (refused -> c), a, (refused -> c), ...: the refusing backend is tried by every second client.
    assertThat(answers).containsExactlyElementsOf(
        Stream.iterate(0, i -> i + 1).limit(30).map(i -> i % 2 == 0 ? "a" : "c").toList());
    assertThat(proxy.backends().get(1).failedConnects()).isEqualTo(15);
  }

  private List<String> exchangeThirtyWithMiddleBackendRefusing(Balancer balancer, Vertx vertx) {
    TestBackend a = TestBackend.named(vertx, "a").await();
    Backend refusing = Ports.refusingBackend();
    TestBackend c = TestBackend.named(vertx, "c").await();
    startProxy(vertx, balancer, List.of(a.backend(), refusing, c.backend()));

    NetClient client = vertx.createNetClient();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi")).await().toString());
    }
    return answers;
  }

  @ParameterizedTest
  @MethodSource("balancers")
  void closesClientPromptlyWhenEveryBackendRefuses(Balancer balancer, Vertx vertx) {
    startProxy(vertx, balancer, List.of(Ports.refusingBackend(), Ports.refusingBackend(), Ports.refusingBackend()));

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
    // Closed only now, which also keeps it reachable until here: Vert.x closes an unreachable client's sockets, and
    // those closes would look like the proxy's.
    client.close().await();
  }
}
