package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.load;
import static dev.hprp.proxy.balancer.StubState.picks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What least-connections and power-of-two share: of two backends, both always in view, the less loaded wins. */
class LoadBasedBalancersTest {

  static Stream<Balancer> loadBased() {
    return Stream.of(Balancer.leastConnections(), Balancer.powerOfTwoChoices());
  }

  @ParameterizedTest
  @MethodSource("loadBased")
  void ofTwoAlwaysPicksTheIdleOne(Balancer balancer) {
    List<BackendState> states = backends("a", "b");
    BackendSelector selector = balancer.newSelector(states);

    load(states, 100, 0);
    assertThat(picks(selector, 1000)).containsOnly("b");

    load(states, 0, 100);
    assertThat(picks(selector, 1000)).containsOnly("a");
  }

  @ParameterizedTest
  @MethodSource("loadBased")
  void comparesLoadPerUnitOfWeight(Balancer balancer) {
    List<BackendState> states = backends("a", "b:4");
    BackendSelector selector = balancer.newSelector(states);

    // b has more connections but fewer per unit of weight: 3/4 < 1/1.
    load(states, 1, 3);
    assertThat(picks(selector, 1000)).containsOnly("b");

    // 5/4 > 1/1: now a.
    load(states, 1, 5);
    assertThat(picks(selector, 1000)).containsOnly("a");
  }
}
