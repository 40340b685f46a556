package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.balancer.BackendSelector;
import dev.hprp.proxy.balancer.BackendState;
import dev.hprp.proxy.balancer.SelectionContext;
import dev.hprp.proxy.Backend;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The backends of one proxy: their states, and the selector over the eligible ones.
 *
 * <p>Picks read one volatile snapshot and never lock. {@link #refresh()} rebuilds the snapshot after a health
 * change; the monitor calls it under its own lock, so snapshots are never built concurrently.
 */
final class BackendRegistry {

  private final Balancer balancer;
  private final List<BackendStateImpl> states;
  /** Every backend: the fail-open fallback when none is eligible. */
  private final BackendSelector allSelector;
  private volatile Snapshot snapshot;

  /** Eligible backends and their selector; {@code eligible} empty means fail open. */
  private record Snapshot(List<BackendState> eligible, BackendSelector selector) {
  }

  BackendRegistry(List<Backend> backends, Balancer balancer) {
    this.balancer = balancer;
    List<BackendStateImpl> list = new ArrayList<>(backends.size());
    for (int i = 0; i < backends.size(); i++) {
      list.add(new BackendStateImpl(backends.get(i), i));
    }
    this.states = List.copyOf(list);
    this.allSelector = balancer.newSelector(List.copyOf(states));
    refresh();
  }

  List<BackendStateImpl> states() {
    return states;
  }

  List<BackendStatus> statuses() {
    List<BackendStatus> result = new ArrayList<>(states.size());
    for (BackendStateImpl state : states) {
      result.add(state.status());
    }
    return result;
  }

  /** Rebuilds the eligible snapshot from the states' health; callers serialise calls (the monitor's lock). */
  void refresh() {
    List<BackendState> eligible = new ArrayList<>(states.size());
    for (BackendStateImpl state : states) {
      if (state.health() == BackendHealth.UP) {
        eligible.add(state);
      }
    }
    Snapshot current = snapshot;
    if (current != null && current.eligible.equals(eligible)) {
      return;
    }
    List<BackendState> frozen = List.copyOf(eligible);
    snapshot = new Snapshot(frozen, frozen.isEmpty() ? allSelector : balancer.newSelector(frozen));
  }

  /**
   * Picks a backend for a connection, skipping those already tried.
   *
   * @param tried indexes of backends this connection already failed on; null on the first attempt
   * @return a backend not in {@code tried}, or null when every backend was tried. Eligible backends come first;
   *     once each has failed for this connection, or when none is eligible, the others are tried too (fail open: a
   *     health verdict that lags behind a recovery must not refuse clients that a live backend could serve).
   */
  BackendStateImpl select(SelectionContext context, BitSet tried) {
    Snapshot current = snapshot;
    BackendStateImpl pick = (BackendStateImpl) current.selector.select(context);
    if (pick == null || tried == null || !tried.get(pick.index)) {
      return pick;
    }
    // Retry path only: the strategy chose a backend that already failed for this client (consistent hashing always
    // does); take the next untried one after it, so retries still spread.
    BackendStateImpl next = nextUntried(current.eligible, pick, tried);
    return next != null ? next : nextUntried(states, pick, tried);
  }

  private static BackendStateImpl nextUntried(List<? extends BackendState> candidates, BackendStateImpl after,
      BitSet tried) {
    int start = Math.max(candidates.indexOf(after), 0);
    for (int i = 1; i <= candidates.size(); i++) {
      BackendStateImpl next = (BackendStateImpl) candidates.get((start + i) % candidates.size());
      if (!tried.get(next.index)) {
        return next;
      }
    }
    return null;
  }
}
