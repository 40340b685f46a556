package dev.hprp.proxy.balancer;

/**
 * Fewest active connections per unit of weight, as nginx's {@code least_conn}: backend {@code a} beats {@code b}
 * when {@code active(a) / weight(a) < active(b) / weight(b)}.
 *
 * <p>Ties go round-robin, weighted: each pick starts its scan at the next position of the smooth weighted
 * round-robin order and keeps the first least-loaded backend from there. When every backend is equally loaded (idle
 * ones, say) the picks therefore follow {@link RoundRobinBalancer}'s sequence exactly, so light traffic still spreads
 * by weight instead of piling onto one backend.
 *
 * <p>A pick reads every backend's live count once: O(n), which the strategy needs since counts change between picks;
 * no lock, no allocation.
 */
final class LeastConnectionsBalancer extends BuiltInBalancer {

  static final LeastConnectionsBalancer INSTANCE = new LeastConnectionsBalancer();

  private LeastConnectionsBalancer() {
  }

  @Override
  BackendSelector selectorOver(BackendState[] states) {
    int[] weights = weights(states);
    int[] starts = RoundRobinBalancer.smoothOrder(weights);
    return new Selector(states, weights, starts);
  }

  @Override
  public String toString() {
    return "least-connections";
  }

  private static final class Selector implements BackendSelector {

    private final BackendState[] states;
    private final int[] weights;
    private final int[] starts;
    private final Rotation rotation;

    Selector(BackendState[] states, int[] weights, int[] starts) {
      this.states = states;
      this.weights = weights;
      this.starts = starts;
      this.rotation = new Rotation(starts.length, 0);
    }

    @Override
    public BackendState select(SelectionContext context) {
      int n = states.length;
      int start = starts[rotation.next()];
      int best = start;
      int bestActive = states[start].activeConnections();
      for (int step = 1; step < n; step++) {
        int i = start + step < n ? start + step : start + step - n;
        int active = states[i].activeConnections();
        if (lessLoaded(active, weights[i], bestActive, weights[best])) {
          best = i;
          bestActive = active;
        }
      }
      return states[best];
    }
  }
}
