package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Consistent hashing end to end, with real client addresses: clients bound to 127.0.0.2 … 127.0.0.9 (Linux routes
 * all of 127/8 to loopback) connect through the proxy again and again, and each address keeps landing on the same
 * backend, while the addresses spread over more than one.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsistentHashStickinessIT {

  private static final int ROUNDS = 20;

  private ReverseProxy proxy;
  /** Held in a field: Vert.x closes an unreachable client, and every socket it opened. */
  private final Map<String, NetClient> clients = new LinkedHashMap<>();

  @AfterEach
  void close() throws Exception {
    for (NetClient client : clients.values()) {
      client.close().await(10, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void eachClientAddressKeepsLandingOnTheSameBackendAndTheAddressesSpreadOverBackends(Vertx vertx) throws Exception {
    List<TestBackend> backends = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      backends.add(TestBackend.named(vertx, name).await(10, TimeUnit.SECONDS));
    }
    proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .balancer(Balancer.consistentHash())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await(10, TimeUnit.SECONDS);
    for (int i = 2; i <= 9; i++) {
      String source = "127.0.0." + i;
      clients.put(source, vertx.createNetClient(new NetClientOptions().setLocalAddress(source)));
    }

    // Round after round over all addresses, in a new order each round, so each address's connections are
    // interleaved with the others' and no rotation can line up with them (8 addresses would on 4 or 8 backends).
    Map<String, List<String>> landed = new LinkedHashMap<>();
    List<String> order = new ArrayList<>(clients.keySet());
    Random random = new Random(9);
    for (int round = 0; round < ROUNDS; round++) {
      Collections.shuffle(order, random);
      for (String source : order) {
        String backend = Clients.exchange(vertx, clients.get(source), proxy.actualPort(), Buffer.buffer("hi"))
            .await(10, TimeUnit.SECONDS).toString();
        landed.computeIfAbsent(source, s -> new ArrayList<>()).add(backend);
      }
    }

    assertThat(landed).hasSize(clients.size()).allSatisfy((source, answers) -> assertThat(new TreeSet<>(answers))
        .as("backends that %d connections from %s landed on", ROUNDS, source).hasSize(1));
    Set<String> used = landed.values().stream().map(answers -> answers.get(0)).collect(Collectors.toSet());
    assertThat(used).as("backends the %d addresses landed on: %s", clients.size(), landed).hasSizeGreaterThan(1);
    assertThat(proxy.backends().stream().mapToLong(BackendStatus::totalConnections).sum())
        .isEqualTo((long) ROUNDS * clients.size());
  }
}
