package dev.hprp.proxy.balancer;

import dev.hprp.proxy.Backend;

/**
 * A backend as a {@link BackendSelector} sees it: the configured backend plus its live load.
 *
 * <p>Implementations are thread-safe; every method is cheap (a field read) and may be called from any event loop
 * during a pick. The proxy supplies the instances; selectors never cast them.
 */
public interface BackendState {

  /** The configured backend; never null, constant for the life of the state. */
  Backend backend();

  /** Client connections currently relayed to this backend (0 or more); changes concurrently. */
  int activeConnections();
}
