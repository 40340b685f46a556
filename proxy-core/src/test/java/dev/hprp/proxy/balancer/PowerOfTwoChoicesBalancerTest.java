package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.load;
import static dev.hprp.proxy.balancer.StubState.numbered;
import static dev.hprp.proxy.balancer.StubState.picks;
import static dev.hprp.proxy.balancer.StubState.shares;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shares of 10,000 picks; every tolerance is at least 6 standard deviations, so a correct balancer never fails. */
class PowerOfTwoChoicesBalancerTest {

  private static final int PICKS = 10_000;
  private final Balancer balancer = Balancer.powerOfTwoChoices();

  @Test
  void neverPicksAnOverloadedBackend() {
    List<BackendState> states = backends("a", "b", "c");
    BackendSelector selector = balancer.newSelector(states);
    load(states, 1, 1, 50);

    Map<String, Double> shares = shares(picks(selector, PICKS));

    // c loses every pair it is drawn into; a and b, tied, split the rest.
    assertThat(shares).containsOnlyKeys("a", "b");
    assertThat(shares.get("a")).isCloseTo(0.5, within(0.03));
  }

  @Test
  void neverPicksTheBusierOfItsTwo() {
    // Distinct loads 0..9: backend i wins exactly the pairs it forms with the 9 - i busier ones, so its share is
    // (9 - i) / 45 and the busiest gets none; a pick that took the busier, or drew the same backend twice, would not.
    List<BackendState> states = numbered(10);
    BackendSelector selector = balancer.newSelector(states);
    load(states, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

    Map<String, Double> shares = shares(picks(selector, PICKS));

    assertThat(shares).doesNotContainKey("b9");
    for (int i = 0; i < 9; i++) {
      assertThat(shares.get("b" + i)).as("b%d", i).isCloseTo((9 - i) / 45.0, within(0.025));
    }
  }

  @Test
  void spreadsEvenlyUnderEqualLoad() {
    List<BackendState> states = backends("a", "b", "c", "d");
    load(states, 3, 3, 3, 3);

    Map<String, Double> shares = shares(picks(balancer.newSelector(states), PICKS));

    assertThat(shares).containsOnlyKeys("a", "b", "c", "d");
    shares.values().forEach(share -> assertThat(share).isCloseTo(0.25, within(0.03)));
  }

  @Test
  void idleSharesFollowWeights() {
    Map<String, Double> shares = shares(picks(balancer.newSelector(backends("a:2", "b", "c")), PICKS));

    assertThat(shares.get("a")).isCloseTo(0.5, within(0.03));
    assertThat(shares.get("b")).isCloseTo(0.25, within(0.03));
    assertThat(shares.get("c")).isCloseTo(0.25, within(0.03));
  }

  @Test
  void singleBackendIsAlwaysPicked() {
    assertThat(picks(balancer.newSelector(backends("a")), 10)).containsOnly("a");
  }
}
