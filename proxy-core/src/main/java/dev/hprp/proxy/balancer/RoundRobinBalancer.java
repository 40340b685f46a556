package dev.hprp.proxy.balancer;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Smooth weighted round-robin. The nginx algorithm runs once per snapshot to lay out one period (the sum of the
 * weights) of picks; a pick is then one atomic increment and an array read, so concurrent event loops never lock and
 * never scan the backends.
 */
final class RoundRobinBalancer implements Balancer {

  static final RoundRobinBalancer INSTANCE = new RoundRobinBalancer();

  private RoundRobinBalancer() {
  }

  @Override
  public BackendSelector newSelector(List<BackendState> candidates) {
    if (candidates.isEmpty()) {
      return context -> null;
    }
    BackendState[] sequence = smoothSequence(candidates);
    AtomicInteger next = new AtomicInteger();
    // floorMod keeps the order exact after the counter wraps past Integer.MAX_VALUE.
    return context -> sequence[Math.floorMod(next.getAndIncrement(), sequence.length)];
  }

  /** One period of nginx's smooth weighted round-robin; exactly {@code candidates} when all weights are equal. */
  static BackendState[] smoothSequence(List<BackendState> candidates) {
    int n = candidates.size();
    int[] weights = new int[n];
    int total = 0;
    boolean uniform = true;
    for (int i = 0; i < n; i++) {
      weights[i] = candidates.get(i).backend().weight();
      total += weights[i];
      uniform &= weights[i] == weights[0];
    }
    if (uniform) {
      return candidates.toArray(new BackendState[0]);
    }
    BackendState[] sequence = new BackendState[total];
    int[] current = new int[n];
    for (int pick = 0; pick < total; pick++) {
      int best = 0;
      for (int i = 0; i < n; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      sequence[pick] = candidates.get(best);
    }
    return sequence;
  }

  @Override
  public String toString() {
    return "round-robin";
  }
}
