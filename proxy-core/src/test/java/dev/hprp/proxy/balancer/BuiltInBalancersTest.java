package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.client;
import static dev.hprp.proxy.balancer.StubState.load;
import static dev.hprp.proxy.balancer.StubState.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract every built-in keeps, whatever its strategy. */
class BuiltInBalancersTest {

  /** The built-ins whose picks are random draws: no sequence to compare between two selectors. */
  private static final Set<String> RANDOM = Set.of("random", "power-of-two");

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

  /** The built-ins whose picks follow from the snapshot, the client and the loads alone: same input, same picks. */
  static Stream<Arguments> deterministicBuiltIns() {
    return builtIns().filter(arguments -> !RANDOM.contains((String) arguments.get()[1]));
  }

  static Stream<Arguments> randomBuiltIns() {
    return builtIns().filter(arguments -> RANDOM.contains((String) arguments.get()[1]));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("deterministicBuiltIns")
  void keepsNoStateAcrossSnapshots(Balancer balancer, String name) {
    assertNoStateAcrossSnapshots(balancer);
  }

  /**
   * Random strategies have no sequence to compare, so the old selector's picks must stay within its own snapshot and
   * spread over it evenly while newer selectors are built and used.
   */
  @ParameterizedTest(name = "{1}")
  @MethodSource("randomBuiltIns")
  void randomStrategiesKeepNoStateAcrossSnapshots(Balancer balancer, String name) {
    BackendSelector old = balancer.newSelector(backends("a", "b"));
    List<String> picks = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      picks.add(old.select(client(i)).backend().host());
      balancer.newSelector(backends("x", "y", "z")).select(client(i));
    }

    assertThat(picks).containsOnly("a", "b");
    // Binomial(2000, 0.5): 0.1 off is 9 standard deviations.
    assertThat(StubState.shares(picks)).allSatisfy((host, share) -> assertThat(share).isBetween(0.4, 0.6));
  }

  /** The check above catches a selector sharing one counter with the others of its balancer. */
  @Test
  void keepsNoStateAcrossSnapshotsCatchesACounterSharedBySelectors() {
    AtomicLong shared = new AtomicLong();
    Balancer leaky = candidates -> context -> candidates.get((int) (shared.getAndIncrement() % candidates.size()));

    assertThatThrownBy(() -> assertNoStateAcrossSnapshots(leaky)).isInstanceOf(AssertionError.class);
  }

  /** The check above catches a balancer whose old selectors pick from the newest snapshot. */
  @Test
  void keepsNoStateAcrossSnapshotsCatchesSelectorsReadingTheNewestSnapshot() {
    AtomicReference<List<BackendState>> newest = new AtomicReference<>();
    Balancer leaky = candidates -> {
      newest.set(candidates);
      return context -> newest.get().get(0);
    };

    assertThatThrownBy(() -> assertNoStateAcrossSnapshots(leaky)).isInstanceOf(AssertionError.class);
  }

  /**
   * A selector's picks depend on its own snapshot only: a selector over {@code a, b, c} picks the same sequence for
   * the same clients whether it is the only one in use or selectors over other snapshots, from the same balancer,
   * are built and used between its picks. A counter or a ring kept in the balancer would shift or redirect them.
   */
  private static void assertNoStateAcrossSnapshots(Balancer balancer) {
    int count = 101; // not a multiple of any snapshot size used here, so a shared counter cannot come back in phase
    BackendSelector alone = balancer.newSelector(backends("a", "b", "c"));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      expected.add(alone.select(client(i)).backend().host());
    }

    BackendSelector old = balancer.newSelector(backends("a", "b", "c"));
    BackendSelector other = balancer.newSelector(backends("x", "y"));
    List<String> picks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picks.add(old.select(client(i)).backend().host());
      other.select(client(i));
      balancer.newSelector(backends("x", "y", "z", "w")).select(client(i));
    }

    assertThat(picks).as("picks of a selector while newer ones are used").isEqualTo(expected);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("builtIns")
  void rejectsNullCandidates(Balancer balancer, String name) {
    List<BackendState> withNull = new ArrayList<>(backends("a"));
    withNull.add(null);

    assertThatNullPointerException().isThrownBy(() -> balancer.newSelector(withNull)).withMessageContaining("[1]");
  }
}
