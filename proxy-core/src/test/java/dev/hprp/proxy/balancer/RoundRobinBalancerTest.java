package dev.hprp.proxy.balancer;

import static dev.hprp.proxy.balancer.StubState.backends;
import static dev.hprp.proxy.balancer.StubState.picks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RoundRobinBalancerTest {

  @Test
  void picksInOrder() {
    BackendSelector selector = Balancer.roundRobin().newSelector(backends("a", "b", "c"));

    assertThat(picks(selector, 7)).containsExactly("a", "b", "c", "a", "b", "c", "a");
  }

  @Test
  void equalWeightsAboveOneStillAlternate() {
    BackendSelector selector = Balancer.roundRobin().newSelector(backends("a:4", "b:4"));

    assertThat(picks(selector, 4)).containsExactly("a", "b", "a", "b");
  }

  @Test
  void weightedSequenceIsNginxsSmoothOne() {
    // The example of nginx's commit introducing smooth weighted round-robin (phusion/nginx@27e9498): weights
    // { 5, 1, 1 } give { a, a, b, a, c, a, a } rather than a burst of five a.
    BackendSelector selector = Balancer.roundRobin().newSelector(backends("a:5", "b", "c"));

    assertThat(picks(selector, 14)).containsExactly(
        "a", "a", "b", "a", "c", "a", "a",
        "a", "a", "b", "a", "c", "a", "a");
  }

  @Test
  void weightedSequenceInterleaves() {
    BackendSelector selector = Balancer.roundRobin().newSelector(backends("a:3", "b:2"));

    assertThat(picks(selector, 5)).containsExactly("a", "b", "a", "b", "a");
  }

  @Test
  void orderContinuesPastIntOverflow() {
    // Start 3 picks before an int counter would wrap: Integer.MAX_VALUE - 2 is position 2 (c). After the wrap an int
    // counter would read -2^31, position 1 again (2^32 is no multiple of 3), and pick b twice in a row.
    BackendState[] states = backends("a", "b", "c").toArray(new BackendState[0]);
    BackendSelector selector = RoundRobinBalancer.cycle(states, Integer.MAX_VALUE - 2L);

    assertThat(picks(selector, 9)).containsExactly("c", "a", "b", "c", "a", "b", "c", "a", "b");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void concurrentPicksShareOneSequence() throws Exception {
    BackendSelector selector = Balancer.roundRobin().newSelector(backends("a:2", "b", "c"));
    int perThread = 40_000;
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Runnable picker = () -> {
        for (int i = 0; i < perThread; i++) {
          counts.computeIfAbsent(selector.select(StubState.ANY_CLIENT).backend().host(), k -> new AtomicInteger())
              .incrementAndGet();
        }
      };
      Future<?> first = pool.submit(picker);
      Future<?> second = pool.submit(picker);
      first.get();
      second.get();
    } finally {
      pool.shutdownNow();
    }

    // 80,000 picks are 20,000 whole periods of a a b c (in smooth order): exact counts, none lost to a race.
    assertThat(counts).hasSize(3);
    assertThat(counts.get("a")).hasValue(40_000);
    assertThat(counts.get("b")).hasValue(20_000);
    assertThat(counts.get("c")).hasValue(20_000);
  }
}
