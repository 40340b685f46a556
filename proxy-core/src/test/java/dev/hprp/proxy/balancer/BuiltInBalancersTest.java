package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.client;
import static dev.hprp.proxy.balancer.StubState.load;
import static dev.hprp.proxy.balancer.StubState.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract every built-in keeps, whatever its strategy. */
class BuiltInBalancersTest {

  static Stream<Arguments> builtIns() {
    return Stream.of(
        Arguments.of(Balancer.roundRobin(), "round-robin"),
        Arguments.of(Balancer.leastConnections(), "least-connections"),
        Arguments.of(Balancer.random(), "random"),
        Arguments.of(Balancer.powerOfTwoChoices(), "power-of-two"),
        Arguments.of(Balancer.consistentHash(), "consistent-hash"),
        Arguments.of(Balancer.consistentHash(c -> Integer.toString(c.clientAddress().port())), "consistent-hash"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void isNamedAsTheLauncherFlag(Balancer balancer, String name) {
    assertThat(balancer).hasToString(name);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void emptySnapshotSelectsNull(Balancer balancer, String name) {
    BackendSelector selector = balancer.newSelector(List.of());

    assertThat(selector.select(client(1))).isNull();
    assertThat(selector.select(client(2))).isNull();
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void onlyReturnsCandidatesNeverNull(Balancer balancer, String name) {
    List<List<BackendState>> snapshots = List.of(
        backends("a"),
        backends("a", "b"),
        backends("a:3", "b", "c:256", "d:2"),
        numbered(100));
    for (List<BackendState> candidates : snapshots) {
      int[] active = ThreadLocalRandom.current().ints(candidates.size(), 0, 3).toArray();
      load(candidates, active);
      BackendSelector selector = balancer.newSelector(candidates);

      for (int i = 0; i < 1000; i++) {
        BackendState pick = selector.select(client(i));
        assertThat(pick).as("pick %d of %s with loads %s", i, candidates, Arrays.toString(active)).isNotNull();
        assertThat(candidates).as("pick %d", i).containsOnlyOnce(pick);
      }
    }
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void keepsNoStateAcrossSnapshots(Balancer balancer, String name) {
    List<BackendState> first = backends("a", "b");
    List<BackendState> second = backends("x", "y", "z");
    BackendSelector old = balancer.newSelector(first);
    balancer.newSelector(second);

    for (int i = 0; i < 100; i++) {
      assertThat(first).contains(old.select(client(i)));
    }
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void rejectsNullCandidates(Balancer balancer, String name) {
    List<BackendState> withNull = new ArrayList<>(backends("a"));
    withNull.add(null);

    assertThatNullPointerException().isThrownBy(() -> balancer.newSelector(withNull)).withMessageContaining("[1]");
  }
}
