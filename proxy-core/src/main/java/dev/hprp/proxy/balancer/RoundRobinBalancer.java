package dev.hprp.proxy.balancer;

/**
 * Smooth weighted round-robin. The nginx algorithm runs once per snapshot to lay out one period (the sum of the
 * weights; the backend count when weights are equal) of picks; a pick is then one atomic increment and an array read,
 * O(1), so concurrent event loops never lock and never scan the backends.
 */
final class RoundRobinBalancer extends BuiltInBalancer {

  static final RoundRobinBalancer INSTANCE = new RoundRobinBalancer();

  private RoundRobinBalancer() {
  }

  @Override
  BackendSelector selectorOver(BackendState[] states) {
    return cycle(states, 0);
  }

  /** The selector, its rotation starting at {@code firstTick}: tests start it where an {@code int} would wrap. */
  static BackendSelector cycle(BackendState[] states, long firstTick) {
    int[] order = smoothOrder(weights(states));
    BackendState[] sequence = new BackendState[order.length];
    for (int i = 0; i < order.length; i++) {
      sequence[i] = states[order[i]];
    }
    Rotation rotation = new Rotation(sequence.length, firstTick);
    return context -> sequence[rotation.next()];
  }

  /**
   * One period of nginx's smooth weighted round-robin, as indexes into {@code weights}: each step adds every weight
   * to its running score, picks the highest score (the first on a tie) and takes the total off it. Exactly
   * {@code 0 … n-1} when all weights are equal.
   */
  static int[] smoothOrder(int[] weights) {
    int n = weights.length;
    int total = 0;
    boolean uniform = true;
    for (int weight : weights) {
      total += weight;
      uniform &= weight == weights[0];
    }
    int[] order = new int[uniform ? n : total];
    if (uniform) {
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      return order;
    }
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
      order[pick] = best;
    }
    return order;
  }

  @Override
  public String toString() {
    return "round-robin";
  }
}
