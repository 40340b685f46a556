package dev.hprp.proxy.balancer;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A balancing strategy: a stateless factory of {@link BackendSelector}s.
 *
 * <p>The proxy calls {@link #newSelector} at start and whenever the set of eligible backends changes (health
 * transitions, ejections), then sends every pick to the newest selector. Implementations must be thread-safe and keep
 * no per-snapshot state themselves. Built-ins come from the static factories below; they are thread-safe, their
 * selectors never lock and never allocate more than the key of a consistent-hash pick, and their {@code toString()}
 * is the name the launcher's {@code --balancer} flag takes ({@code round-robin}, {@code least-connections},
 * {@code random}, {@code power-of-two}, {@code consistent-hash}).
 *
 * <p>Every built-in honours {@link dev.hprp.proxy.Backend#weight() weights}: a backend of weight 3 takes three times
 * the share (or, for the load-based ones, three times the connections) of a backend of weight 1.
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
   * @param candidates the eligible backends in configuration order, all of one {@link dev.hprp.proxy.Backend#priority()
   *     priority group} (the lowest that has any); immutable, possibly empty, never null
   * @return a selector whose {@code select} returns null only when {@code candidates} is empty
   */
  BackendSelector newSelector(List<BackendState> candidates);

  /**
   * Round-robin, weighted when weights differ, smooth as nginx's (weights {@code a:5, b:1, c:1} give
   * {@code a a b a c a a}, never a burst of five {@code a}). O(1) per pick. The default balancer.
   */
  static Balancer roundRobin() {
    return RoundRobinBalancer.INSTANCE;
  }

  /**
   * Fewest active connections relative to weight (nginx's {@code least_conn}); among equally loaded backends the
   * pick goes round-robin, weighted, so idle backends take turns as with {@link #roundRobin()}. Suits long-lived or
   * uneven connections. O(n) per pick: it reads every backend's live count.
   */
  static Balancer leastConnections() {
    return LeastConnectionsBalancer.INSTANCE;
  }

  /** Independent random picks with probability proportional to weight. O(1) per pick. */
  static Balancer random() {
    return RandomBalancer.INSTANCE;
  }

  /**
   * Two distinct random picks (weighted as {@link #random()}); the one with fewer active connections relative to its
   * weight wins, a tie keeps the first. Close to least-connections' evenness at random's cost.
   */
  static Balancer powerOfTwoChoices() {
    return PowerOfTwoChoicesBalancer.INSTANCE;
  }

  /**
   * Consistent hashing on the client's IP address ({@link SelectionContext#clientHost()}): a client keeps its backend
   * while that backend stays eligible, and a backend leaving or joining moves only its own share of clients. 160
   * virtual nodes per unit of weight, O(log nodes) per pick.
   */
  static Balancer consistentHash() {
    return ConsistentHashBalancer.BY_CLIENT_HOST;
  }

  /**
   * Consistent hashing on a key of the caller's choosing, as {@link #consistentHash()} does on the client IP.
   *
   * @param key computes the key of a connection; called once per pick on the event loop, so it must be cheap,
   *            thread-safe and non-blocking; a null result counts as the empty key, and an exception it throws
   *            propagates to the caller of {@link BackendSelector#select}
   * @return the balancer; named {@code consistent-hash} too
   */
  static Balancer consistentHash(Function<SelectionContext, String> key) {
    return new ConsistentHashBalancer(Objects.requireNonNull(key, "key"));
  }
}
