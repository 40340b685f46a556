package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.client;
import static dev.hprp.proxy.balancer.StubState.numbered;
import static dev.hprp.proxy.balancer.StubState.shares;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Over 10,000 distinct client addresses. The ring and the hash are deterministic, so these figures are the same on
 * every run; the tolerances say what a ring of 160 nodes per backend should achieve.
 */
class ConsistentHashBalancerTest {

  private static final int KEYS = 10_000;
  private static final List<SelectionContext> CLIENTS = clients();

  private final Balancer balancer = Balancer.consistentHash();

  @Test
  void sameClientSameBackend() {
    List<BackendState> states = numbered(10);

    List<String> first = owners(balancer.newSelector(states));
    List<String> again = owners(balancer.newSelector(states));

    assertThat(again).isEqualTo(first);
    assertThat(owners(balancer.newSelector(states))).isEqualTo(first);
  }

  @Test
  void removedBackendMovesOnlyItsKeys() {
    List<BackendState> all = numbered(10);
    List<BackendState> withoutB3 = new ArrayList<>(all);
    withoutB3.remove(3);

    List<String> before = owners(balancer.newSelector(all));
    List<String> after = owners(balancer.newSelector(withoutB3));

    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (before.get(i).equals("b3")) {
        moved++;
      } else {
        assertThat(after.get(i)).as("key %d", i).isEqualTo(before.get(i));
      }
    }
    assertThat(moved / (double) KEYS).isCloseTo(0.1, within(0.03));
    assertThat(after).doesNotContain("b3");
  }

  @Test
  void addedBackendTakesAboutItsShareAndNothingElseMoves() {
    List<BackendState> eleven = numbered(11);
    List<BackendState> ten = eleven.subList(0, 10);

    List<String> before = owners(balancer.newSelector(ten));
    List<String> after = owners(balancer.newSelector(eleven));

    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (!after.get(i).equals(before.get(i))) {
        assertThat(after.get(i)).as("key %d", i).isEqualTo("b10");
        moved++;
      }
    }
    assertThat(moved / (double) KEYS).isCloseTo(1 / 11.0, within(0.03));
  }

  @Test
  void ringDoesNotDependOnListOrder() {
    List<BackendState> states = numbered(10);
    List<BackendState> reversed = new ArrayList<>(states);
    Collections.reverse(reversed);

    assertThat(owners(balancer.newSelector(reversed))).isEqualTo(owners(balancer.newSelector(states)));
  }

  @Test
  void spreadsClientsEvenly() {
    Map<String, Double> shares = shares(owners(balancer.newSelector(numbered(10))));

    assertThat(shares).hasSize(10);
    shares.values().forEach(share -> assertThat(share).isCloseTo(0.1, within(0.03)));
  }

  @Test
  void sharesFollowWeights() {
    Map<String, Double> shares = shares(owners(balancer.newSelector(backends("a:3", "b", "c:2", "d:2"))));

    assertThat(shares.get("a")).isCloseTo(0.375, within(0.05));
    assertThat(shares.get("b")).isCloseTo(0.125, within(0.03));
    assertThat(shares.get("c")).isCloseTo(0.25, within(0.04));
    assertThat(shares.get("d")).isCloseTo(0.25, within(0.04));
  }

  @Test
  void customKeyDecides() {
    // Key on the client port: one host with many ports spreads out, where the default key keeps it on one backend.
    List<SelectionContext> ports = new ArrayList<>();
    for (int port = 1; port <= 1000; port++) {
      ports.add(SelectionContext.of(SocketAddress.inetSocketAddress(port, "10.0.0.1")));
    }
    List<BackendState> states = numbered(10);

    Balancer portKey = Balancer.consistentHash(c -> Integer.toString(c.clientAddress().port()));
    BackendSelector byPort = portKey.newSelector(states);
    BackendSelector byHost = balancer.newSelector(states);

    assertThat(shares(owners(byPort, ports))).hasSize(10);
    assertThat(shares(owners(byHost, ports))).hasSize(1);
  }

  @Test
  void nullKeyCountsAsEmpty() {
    List<BackendState> states = numbered(10);
    BackendSelector nullKey = Balancer.consistentHash(c -> null).newSelector(states);
    BackendSelector emptyKey = Balancer.consistentHash(c -> "").newSelector(states);

    assertThat(nullKey.select(client(1))).isSameAs(emptyKey.select(client(1)));
  }

  @Test
  void refusesARingTooLargeToBuild() {
    // 410 backends of weight 256 need 410 * 256 * 160 = 16.8 million nodes, above the 2^24 the ring allows.
    String[] specs = new String[410];
    for (int i = 0; i < specs.length; i++) {
      specs[i] = "b" + i + ":256";
    }
    List<BackendState> states = backends(specs);

    assertThatIllegalArgumentException().isThrownBy(() -> balancer.newSelector(states))
        .withMessage("consistent-hash: 410 backends need 16793600 ring nodes (expected: at most 16777216; "
            + "lower the weights)");
  }

  @Test
  void hashIsStable() {
    // Clients would move to other backends if the hash changed between releases: these values are pinned.
    assertThat(ConsistentHashBalancer.hash("")).isEqualTo(-1166397803181037274L);
    assertThat(ConsistentHashBalancer.hash("10.0.0.1")).isEqualTo(-4000914533929689976L);
    assertThat(ConsistentHashBalancer.hash(new StringBuilder("10.0.0.1"))).isEqualTo(-4000914533929689976L);
  }

  private static List<SelectionContext> clients() {
    List<SelectionContext> clients = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      clients.add(client(i));
    }
    return List.copyOf(clients);
  }

  private static List<String> owners(BackendSelector selector) {
    return owners(selector, CLIENTS);
  }

  private static List<String> owners(BackendSelector selector, List<SelectionContext> contexts) {
    List<String> owners = new ArrayList<>(contexts.size());
    for (SelectionContext context : contexts) {
      owners.add(selector.select(context).backend().host());
    }
    return owners;
  }
}
