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
  void ofTwoPicksTheLessLoadedPerUnitOfWeight(Balancer balancer) {
    List<BackendState> states = backends("a", "b:4");
    BackendSelector selector = balancer.newSelector(states);

    // {active on a, active on b, the winner}: b's load is its count divided by its weight, 4.
    Object[][] cases = {{100, 0, "b"}, {0, 100, "a"}, {1, 3, "b"}, {1, 5, "a"}};
    for (Object[] c : cases) {
      load(states, (int) c[0], (int) c[1]);
      assertThat(picks(selector, 1000)).as("a=%s b=%s", c[0], c[1]).containsOnly((String) c[2]);
    }
  }
}
