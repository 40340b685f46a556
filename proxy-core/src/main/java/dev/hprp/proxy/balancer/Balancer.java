package dev.hprp.proxy.balancer;

import java.util.List;

/**
 * A balancing strategy: a stateless factory of {@link BackendSelector}s.
 *
 * <p>The proxy calls {@link #newSelector} at start and whenever the set of eligible backends changes (health
 * transitions, ejections), then sends every pick to the newest selector. Implementations must be thread-safe and keep
 * no per-snapshot state themselves. Built-ins come from the static factories below.
 *
 * <pre>{@code
 * ReverseProxy.builder(vertx).balancer(Balancer.roundRobin())...
 * }</pre>
 */
@FunctionalInterface
public interface Balancer {

  /**
   * Builds a selector over a snapshot of eligible backends.
   *
   * @param candidates the eligible backends in configuration order; immutable, possibly empty, never null
   * @return a selector whose {@code select} returns null only when {@code candidates} is empty
   */
  BackendSelector newSelector(List<BackendState> candidates);

  /**
   * Round-robin, weighted when weights differ, smooth as nginx's (a backend of weight 3 among two of weight 1 gets
   * {@code a a b a c}-like interleaving, never bursts). The default balancer.
   */
  static Balancer roundRobin() {
    return RoundRobinBalancer.INSTANCE;
  }
}
