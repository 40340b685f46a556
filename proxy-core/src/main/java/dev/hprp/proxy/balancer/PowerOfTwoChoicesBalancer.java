package dev.hprp.proxy.balancer;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The power of two random choices (Mitzenmacher): draw two distinct backends at random, weighted as
 * {@link RandomBalancer} does, and take the one with fewer active connections per unit of weight. Nearly as even as
 * least-connections without reading every backend, and without the herd effect of all event loops rushing to the
 * same least-loaded backend. The busier of the two is never picked; on a tie the first draw wins, itself a weighted
 * random pick.
 *
 * <p>O(1): two table reads ({@link WeightedRandom}) and two live counts per pick; no lock, no allocation.
 */
final class PowerOfTwoChoicesBalancer extends BuiltInBalancer {

  static final PowerOfTwoChoicesBalancer INSTANCE = new PowerOfTwoChoicesBalancer();

  private PowerOfTwoChoicesBalancer() {
  }

  @Override
  BackendSelector selectorOver(BackendState[] states) {
    if (states.length == 1) {
      BackendState only = states[0];
      return context -> only;
    }
    int[] weights = weights(states);
    WeightedRandom sampler = new WeightedRandom(weights);
    return context -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int first = sampler.pick(random);
      int second = sampler.pickOther(random, first);
      boolean secondWins = lessLoaded(states[second].activeConnections(), weights[second],
          states[first].activeConnections(), weights[first]);
      return states[secondWins ? second : first];
    };
  }

  @Override
  public String toString() {
    return "power-of-two";
  }
}
