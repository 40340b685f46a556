package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replicas agree without talking: two proxies given the same backends, in different orders (as two replicas get a
 * DNS answer in rotated orders), send every consistent-hash key to the same backend, and still agree once the same
 * backend left both. Picks go through each proxy's own registry and connector; no socket is opened.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ReplicasAgreeTest {

  private static final int KEYS = 10_000;
  private static final int BACKENDS = 12;

  /** One pick: the dial records the backend chosen and succeeds at once; the "relay" ends at once. */
  private static final class Pick extends SocketlessAttempt {
    private final SocketAddress client;
    private String picked;

    Pick(SocketAddress client) {
      this.client = client;
    }

    @Override
    public SocketAddress clientAddress() {
      return client;
    }

    @Override
    public Future<Object> dial(Backend backend) {
      picked = backend.id();
      return Future.succeededFuture(backend);
    }

    @Override
    public void connected(Upstream upstream, Object connection) {
      upstream.release(false);
    }
  }

  private static ReverseProxyImpl replica(Vertx vertx, List<Backend> backends) {
    ReverseProxyImpl proxy = (ReverseProxyImpl) ReverseProxy.builder(vertx)
        .backends(backends)
        .balancer(Balancer.consistentHash())
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    return proxy;
  }

  /** The backend each of {@link #KEYS} client addresses (the consistent-hash key) is sent to. */
  private static Map<String, String> picks(ReverseProxyImpl proxy) {
    Map<String, String> picks = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      String client = "10.1." + i / 256 + "." + i % 256;
      Pick pick = new Pick(SocketAddress.inetSocketAddress(40000, client));
      // The dial succeeds at once, so the pick is made before connect returns.
      proxy.connector().connect(pick);
      picks.put(client, pick.picked);
    }
    return picks;
  }

  private static List<Backend> without(List<Backend> backends, String id) {
    return backends.stream().filter(backend -> !backend.id().equals(id)).toList();
  }

  @Test
  void twoReplicasPickTheSameBackendForEveryKeyBeforeAndAfterTheSameRemoval(Vertx vertx) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 1; i <= BACKENDS; i++) {
      backends.add(new Backend("10.0.0." + i, 8080, 1 + i % 3));
    }
    List<Backend> shuffled = new ArrayList<>(backends);
    Collections.shuffle(shuffled, new Random(13));
    ReverseProxyImpl first = replica(vertx, backends);
    ReverseProxyImpl second = replica(vertx, shuffled);

    Map<String, String> before = picks(first);
    assertThat(before).doesNotContainValue(null);
    assertThat(picks(second)).as("the same backend for each of %d keys", KEYS).isEqualTo(before);

    // As a discovery change reaches each replica: the whole set, less one. Its future completes once picks use the
    // new ring (until then a pick skips the leaving backend to its neighbour in the replica's own order).
    String leaving = backends.get(4).id();
    first.updateBackends(without(backends, leaving), Duration.ZERO).await();
    second.updateBackends(without(shuffled, leaving), Duration.ZERO).await();
    Map<String, String> after = picks(first);

    assertThat(picks(second)).as("still the same after the same removal").isEqualTo(after);
    assertThat(after).doesNotContainValue(leaving);
    before.forEach((key, backend) -> {
      if (!backend.equals(leaving)) {
        assertThat(after.get(key)).as("key %s stays where it was", key).isEqualTo(backend);
      }
    });
    first.close().await();
    second.close().await();
  }
}
