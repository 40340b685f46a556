package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)

class ReverseProxyRoundRobinIT {

  @Test
  void picksBackendsInOrderOverSequentialConnections(Vertx vertx) {
    List<TestBackend> backends = List.of(
        TestBackend.named(vertx, "a").await(),
        TestBackend.named(vertx, "b").await(),
        TestBackend.named(vertx, "c").await());
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    NetClient client = vertx.createNetClient();

    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi")).await().toString());
    }

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.addAll(List.of("a", "b", "c"));
    }
    assertThat(answers).isEqualTo(expected);
    assertThat(proxy.backends()).extracting(BackendStatus::totalConnections).containsExactly(10L, 10L, 10L);
    proxy.close().await();
  }
}
