package dev.hprp.proxy.balancer;

import java.util.List;
import java.util.Objects;

/**
 * What every built-in strategy shares: the empty-snapshot selector, a private array copy of the snapshot (a pick
 * then reads an array, not a {@code List}), the weights, and the load comparison.
 *
 * <p>Subclasses are stateless singletons or hold only their configuration; everything per snapshot lives in the
 * selector they return.
 */
abstract class BuiltInBalancer implements Balancer {

  private static final BackendSelector NONE = context -> null;

  @Override
  public final BackendSelector newSelector(List<BackendState> candidates) {
    BackendState[] states = candidates.toArray(new BackendState[0]);
    for (int i = 0; i < states.length; i++) {
      Objects.requireNonNull(states[i], "candidates[" + i + "]");
    }
    return states.length == 0 ? NONE : selectorOver(states);
  }

  /**
   * Builds the selector; runs once per snapshot, so every precomputation belongs here.
   *
   * @param states the snapshot in configuration order; non-empty, no nulls, owned by the selector
   */
  abstract BackendSelector selectorOver(BackendState[] states);

  /** The name the launcher's {@code --balancer} flag uses, such as {@code round-robin}. */
  @Override
  public abstract String toString();

  static int[] weights(BackendState[] states) {
    int[] weights = new int[states.length];
    for (int i = 0; i < states.length; i++) {
      weights[i] = states[i].backend().weight();
    }
    return weights;
  }

  /**
   * Whether load {@code active / weight} is strictly below {@code otherActive / otherWeight}; cross-multiplied in
   * longs, so exact and free of division.
   */
  static boolean lessLoaded(int active, int weight, int otherActive, int otherWeight) {
    return (long) active * otherWeight < (long) otherActive * weight;
  }
}
