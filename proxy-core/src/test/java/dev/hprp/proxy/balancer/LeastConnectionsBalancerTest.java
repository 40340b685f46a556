package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.load;
import static dev.hprp.proxy.balancer.StubState.picks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeastConnectionsBalancerTest {

  private final Balancer balancer = Balancer.leastConnections();

  @Test
  void picksTheLeastLoaded() {
    List<BackendState> states = backends("a", "b", "c", "d");
    BackendSelector selector = balancer.newSelector(states);

    load(states, 5, 3, 1, 4);
    assertThat(picks(selector, 8)).containsOnly("c");

    load(states, 5, 3, 2, 0);
    assertThat(picks(selector, 8)).containsOnly("d");
  }

  @Test
  void seesLoadChangesBetweenPicks() {
    List<BackendState> states = backends("a", "b", "c");
    BackendSelector selector = balancer.newSelector(states);
    load(states, 2, 2, 2);

    // Count each pick as a new connection, as the proxy does: the picks fill the backends up evenly.
    int[] active = {2, 2, 2};
    for (int i = 0; i < 30; i++) {
      String name = selector.select(StubState.ANY_CLIENT).backend().host();
      active[name.charAt(0) - 'a']++;
      load(states, active);
      assertThat(active[0] - active[1]).isBetween(-1, 1);
      assertThat(active[1] - active[2]).isBetween(-1, 1);
    }
    assertThat(active).containsExactly(12, 12, 12);
  }

  @Test
  void tiesRotate() {
    List<BackendState> states = backends("a", "b", "c");
    BackendSelector selector = balancer.newSelector(states);

    assertThat(picks(selector, 6)).containsExactly("a", "b", "c", "a", "b", "c");
  }

  @Test
  void tiesRotateAmongTheLeastLoadedOnly() {
    List<BackendState> states = backends("a", "b", "c", "d");
    BackendSelector selector = balancer.newSelector(states);
    load(states, 1, 0, 1, 0);

    assertThat(picks(selector, 40)).containsOnly("b", "d").contains("b", "d");
  }

  @Test
  void idleWeightedBackendsFollowSmoothRoundRobin() {
    BackendSelector selector = balancer.newSelector(backends("a:5", "b", "c"));

    assertThat(picks(selector, 7)).containsExactly("a", "a", "b", "a", "c", "a", "a");
  }
}
