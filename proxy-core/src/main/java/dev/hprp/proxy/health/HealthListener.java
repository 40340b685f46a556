package dev.hprp.proxy.health;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;

/**
 * Told of every health transition of every backend, once per transition, in the order they happen for a backend.
 *
 * <p>Called on a Vert.x event loop: return quickly and never block. An exception thrown is logged and ignored.
 */
@FunctionalInterface
public interface HealthListener {

  /** A backend changed state. */
  void onTransition(Transition transition);

  /**
   * One health change.
   *
   * @param backend the backend; never null
   * @param from    its previous state; never null
   * @param to      its new state; never null, never equal to {@code from}
   * @param reason  why, as logged ({@code "3 consecutive failures: connection refused"}); never null
   */
  record Transition(Backend backend, BackendHealth from, BackendHealth to, String reason) {
  }
}
