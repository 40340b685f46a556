package dev.hprp.proxy.balancer;

/**
 * Picks a backend for one new connection from a fixed snapshot of eligible backends.
 *
 * <p>Created by {@link Balancer#newSelector} and replaced (never mutated from outside) whenever the eligible set
 * changes. {@link #select} is called concurrently from every event loop: it must not block, lock or allocate more
 * than a few objects, and must not scan the whole snapshot when a cheaper pick exists.
 */
@FunctionalInterface
public interface BackendSelector {

  /**
   * Picks one backend.
   *
   * @param context the connection being placed; never null
   * @return one of the snapshot's states, or null only when the snapshot is empty
   */
  BackendState select(SelectionContext context);
}
