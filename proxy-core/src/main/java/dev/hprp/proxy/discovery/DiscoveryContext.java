package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Backend;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * What a running proxy gives each of its {@link BackendDiscovery} sources: the {@code Vertx} to run on, and where to
 * report the backends found.
 *
 * <p>Thread-safe: {@link #update} may be called from any thread, each call replacing the source's previous set.
 */
public interface DiscoveryContext {

  /** The proxy's {@code Vertx}, for timers, clients and contexts; never null. */
  Vertx vertx();

  /**
   * Reports the source's whole current set, which replaces the one it reported before. The proxy's backends are the
   * union of every source's set (an address found by two sources is taken from the first, in the order the sources
   * were given); when that union changes, the proxy applies it as {@link dev.hprp.proxy.ReverseProxy#updateBackends}
   * does, removals draining for the proxy's drain timeout, except that a change that both adds and removes backends
   * removes only once the additions are in rotation (make before break). A set equal to the source's previous one,
   * in any order, changes nothing. Calls after the proxy closed are ignored.
   *
   * @param backends the backends found now; possibly empty, no address twice, never null
   * @throws IllegalArgumentException when an address is listed twice
   */
  void update(List<Backend> backends);
}
