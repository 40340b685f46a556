package dev.hprp.proxy.balancer;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random: each pick is independent, backend {@code i} chosen with probability weight(i) / total weight.
 * O(1) ({@link WeightedRandom}); no shared mutable state at all, so event loops never contend.
 */
final class RandomBalancer extends BuiltInBalancer {

  static final RandomBalancer INSTANCE = new RandomBalancer();

  private RandomBalancer() {
  }

  @Override
  BackendSelector selectorOver(BackendState[] states) {
    WeightedRandom sampler = new WeightedRandom(weights(states));
    return context -> states[sampler.pick(ThreadLocalRandom.current())];
  }

  @Override
  public String toString() {
    return "random";
  }
}
