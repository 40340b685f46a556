package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.picks;
import static dev.hprp.proxy.balancer.StubState.shares;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shares of 10,000 picks; every tolerance is at least 6 standard deviations, so a correct balancer never fails. */
class RandomBalancerTest {

  private static final int PICKS = 10_000;

  @Test
  void spreadsEvenlyWithEqualWeights() {
    BackendSelector selector = Balancer.random().newSelector(backends("a", "b", "c", "d"));

    Map<String, Double> shares = shares(picks(selector, PICKS));

    assertThat(shares).containsOnlyKeys("a", "b", "c", "d");
    shares.values().forEach(share -> assertThat(share).isCloseTo(0.25, within(0.03)));
  }

  @Test
  void sharesFollowWeights() {
    BackendSelector selector = Balancer.random().newSelector(backends("a:5", "b", "c:2", "d:2"));

    Map<String, Double> shares = shares(picks(selector, PICKS));

    assertThat(shares.get("a")).isCloseTo(0.5, within(0.03));
    assertThat(shares.get("b")).isCloseTo(0.1, within(0.02));
    assertThat(shares.get("c")).isCloseTo(0.2, within(0.025));
    assertThat(shares.get("d")).isCloseTo(0.2, within(0.025));
  }
}
