package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendAdminState;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.balancer.BackendSelector;
import dev.hprp.proxy.balancer.BackendState;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.balancer.SelectionContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of one proxy, keyed by id, and the selector over the eligible ones.
 *
 * <p>Copy-on-write: changes take the registry's lock and publish a new map; readers never lock. Picks read one
 * volatile {@link Snapshot}. A change that affects eligibility or weights asks for a new snapshot with
 * {@link #rebuild()}; building one (a consistent-hash ring of a hundred heavy backends takes a second) runs on a
 * Vert.x worker thread, never on an event loop, one build at a time, and requests that arrive during a build are
 * served together by the next. Until a new snapshot is out, picks skip any backend that is no longer eligible, so a
 * removal or a drain takes effect for new connections at once.
 */
final class BackendRegistry {

  private static final Logger log = LoggerFactory.getLogger(BackendRegistry.class);

  private final Vertx vertx;
  private final Balancer balancer;
  private final BackendEvents events;
  private final Object lock = new Object();
  /** Every backend present, in the order added; replaced under {@link #lock}, never mutated. */
  private volatile Map<String, BackendStateImpl> byId = Map.of();
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  /** Guarded by {@link #lock}: a build is running; it rebuilds again before stopping while {@link #waiting}. */
  private boolean building;
  /** Guarded by {@link #lock}: futures of rebuild requests that the running build has not yet covered. */
  private List<Promise<Void>> waiting = new ArrayList<>();
  /** Told after each new snapshot: clients waiting for a slot may now have a backend. */
  private volatile Runnable rebuilt = () -> { };

  /**
   * What picks read: the eligible backends and their selector, and the fallback used when none is eligible (fail
   * open: admitted, enabled backends whatever their health). {@code weights} of each list, in order, let a build
   * tell whether anything changed.
   */
  private record Snapshot(List<BackendStateImpl> eligible, int[] eligibleWeights, BackendSelector selector,
      List<BackendStateImpl> fallback, int[] fallbackWeights, BackendSelector fallbackSelector) {

    static final Snapshot EMPTY = new Snapshot(List.of(), new int[0], context -> null, List.of(), new int[0],
        context -> null);
  }

  BackendRegistry(Vertx vertx, Balancer balancer, BackendEvents events) {
    this.vertx = vertx;
    this.balancer = balancer;
    this.events = events;
  }

  /** Sets what runs after each new snapshot is out (on a worker thread). */
  void onRebuilt(Runnable action) {
    this.rebuilt = action;
  }

  /** Every backend present, in the order added. */
  List<BackendStateImpl> states() {
    return List.copyOf(byId.values());
  }

  /** The backend with {@code id}, or null. */
  BackendStateImpl find(String id) {
    return byId.get(id);
  }

  /** @throws IllegalArgumentException naming {@code id} when no such backend is present */
  BackendStateImpl require(String id) {
    BackendStateImpl state = byId.get(id);
    if (state == null) {
      throw new IllegalArgumentException("backend " + id + ": no such backend (expected one of " + byId.keySet()
          + ")");
    }
    return state;
  }

  List<BackendStatus> statuses() {
    Map<String, BackendStateImpl> current = byId;
    List<BackendStatus> result = new ArrayList<>(current.size());
    for (BackendStateImpl state : current.values()) {
      result.add(state.status());
    }
    return result;
  }

  /**
   * Puts a new backend in the registry, not yet in rotation until it is admitted.
   *
   * @throws IllegalArgumentException when its id is present, also while that backend is being removed
   */
  BackendStateImpl add(BackendStateImpl state) {
    synchronized (lock) {
      if (byId.containsKey(state.id())) {
        throw new IllegalArgumentException("backend " + state.id() + ": already present"
            + (byId.get(state.id()).removed() ? " (being removed)" : ""));
      }
      Map<String, BackendStateImpl> next = new LinkedHashMap<>(byId);
      next.put(state.id(), state);
      byId = Collections.unmodifiableMap(next);
      return state;
    }
  }

  /** Lets an added backend take connections, and tells the listeners it joined. */
  void admit(BackendStateImpl state) {
    synchronized (lock) {
      state.admit();
      events.emit(new BackendEvent.Added(state.backend(), state.health()));
    }
  }

  /** Changes a backend's weight; returns false when it already had that weight. */
  boolean setWeight(BackendStateImpl state, int weight) {
    Backend before = state.backend();
    return reconfigure(state, new Backend(before.host(), before.port(), weight, before.priority()));
  }

  /**
   * Gives a backend the weight and priority of {@code target} (the same address); returns false when it already had
   * both.
   */
  boolean reconfigure(BackendStateImpl state, Backend target) {
    synchronized (lock) {
      Backend before = state.backend();
      if (before.equals(target)) {
        return false;
      }
      state.backend(target);
      if (before.weight() != target.weight()) {
        log.info("backend {} weight {} -> {}", before.id(), before.weight(), target.weight());
      }
      if (before.priority() != target.priority()) {
        log.info("backend {} priority {} -> {}", before.id(), before.priority(), target.priority());
      }
      return true;
    }
  }

  /**
   * Drains or enables a backend; returns false when it already was in that state.
   *
   * @throws IllegalArgumentException when enabling a backend being removed
   */
  boolean setAdminState(BackendStateImpl state, BackendAdminState to) {
    synchronized (lock) {
      if (state.removed()) {
        if (to == BackendAdminState.ENABLED) {
          throw new IllegalArgumentException("backend " + state.id() + ": being removed (expected: a backend "
              + "that stays)");
        }
        return false;
      }
      BackendAdminState from = state.adminState();
      if (from == to) {
        return false;
      }
      state.adminState(to);
      log.info("backend {} is {}", state.id(), to);
      events.emit(new BackendEvent.AdminStateChanged(state.backend(), from, to));
      return true;
    }
  }

  /**
   * Begins removing a backend: no pick takes it from now on. Returns the removal's future, the same one when a
   * removal has begun already; {@link #drained} completes it.
   */
  Future<Void> beginRemoval(BackendStateImpl state) {
    synchronized (lock) {
      if (state.removed()) {
        return state.removal().future();
      }
      BackendAdminState from = state.adminState();
      state.beginRemoval(Promise.promise());
      log.info("backend {} leaving: {} connection(s) to drain", state.id(), state.activeConnections());
      if (from != BackendAdminState.DRAINING) {
        events.emit(new BackendEvent.AdminStateChanged(state.backend(), from, BackendAdminState.DRAINING));
      }
    }
    // Read after the removed flag is set: see BackendStateImpl.connectionOpened.
    if (state.activeConnections() == 0) {
      drained(state);
    }
    return state.removal().future();
  }

  /** A backend being removed has no connection left: its id leaves the registry and its removal completes. */
  void drained(BackendStateImpl state) {
    synchronized (lock) {
      if (byId.get(state.id()) != state) {
        return; // already gone
      }
      Map<String, BackendStateImpl> next = new LinkedHashMap<>(byId);
      next.remove(state.id());
      byId = Collections.unmodifiableMap(next);
      log.info("backend {} removed", state.id());
      events.emit(new BackendEvent.Removed(state.backend()));
    }
    state.removal().tryComplete();
  }

  /**
   * Asks for a snapshot that reflects every change made before this call.
   *
   * @return completes once picks use such a snapshot; fails when the balancer cannot build a selector for the
   *     backends (the previous snapshot then stays)
   */
  Future<Void> rebuild() {
    Promise<Void> done = Promise.promise();
    synchronized (lock) {
      waiting.add(done);
      if (building) {
        return done.future();
      }
      building = true;
    }
    vertx.<Void>executeBlocking(this::buildUntilCurrent, false);
    return done.future();
  }

  /** Runs on a worker thread: builds snapshots until no request is left uncovered. */
  private Void buildUntilCurrent() {
    while (true) {
      List<Promise<Void>> covered;
      synchronized (lock) {
        if (waiting.isEmpty()) {
          building = false;
          return null;
        }
        covered = waiting;
        waiting = new ArrayList<>();
      }
      // The flags read below were written before the requests in `covered` were made.
      try {
        snapshot = build(snapshot, byId);
        covered.forEach(Promise::tryComplete);
        rebuilt.run();
      } catch (RuntimeException e) {
        log.error("balancer {} could not build a selector; keeping the previous one", balancer, e);
        covered.forEach(promise -> promise.tryFail(e));
      }
    }
  }

  /**
   * The eligible backends are those of the lowest priority group that has any (DNS SRV's rule: a higher group only
   * serves while every lower one is unusable); the fallback, for failing open, is every selectable backend, lower
   * groups first.
   */
  private Snapshot build(Snapshot previous, Map<String, BackendStateImpl> states) {
    int firstGroup = Integer.MAX_VALUE;
    for (BackendStateImpl state : states.values()) {
      if (state.eligible()) {
        firstGroup = Math.min(firstGroup, state.backend().priority());
      }
    }
    List<BackendStateImpl> eligible = new ArrayList<>(states.size());
    List<BackendStateImpl> fallback = new ArrayList<>(states.size());
    for (BackendStateImpl state : states.values()) {
      if (state.eligible() && state.backend().priority() == firstGroup) {
        eligible.add(state);
      }
      if (state.selectable()) {
        fallback.add(state);
      }
    }
    fallback.sort(Comparator.comparingInt(state -> state.backend().priority()));
    int[] eligibleWeights = weights(eligible);
    int[] fallbackWeights = weights(fallback);
    BackendSelector selector = same(previous.eligible, previous.eligibleWeights, eligible, eligibleWeights)
        ? previous.selector : balancer.newSelector(List.copyOf(eligible));
    BackendSelector fallbackSelector = same(previous.fallback, previous.fallbackWeights, fallback, fallbackWeights)
        ? previous.fallbackSelector : eligible.equals(fallback) ? selector : balancer.newSelector(List.copyOf(fallback));
    return new Snapshot(List.copyOf(eligible), eligibleWeights, selector, List.copyOf(fallback), fallbackWeights,
        fallbackSelector);
  }

  private static int[] weights(List<BackendStateImpl> states) {
    int[] weights = new int[states.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = states.get(i).backend().weight();
    }
    return weights;
  }

  private static boolean same(List<BackendStateImpl> before, int[] beforeWeights, List<BackendStateImpl> now,
      int[] nowWeights) {
    return before.equals(now) && java.util.Arrays.equals(beforeWeights, nowWeights);
  }

  /** The backends of the current snapshot that are eligible and still so; a fresh list. */
  List<Backend> eligibleBackends() {
    List<BackendStateImpl> eligible = snapshot.eligible;
    List<Backend> result = new ArrayList<>(eligible.size());
    for (BackendStateImpl state : eligible) {
      if (state.eligible()) {
        result.add(state.backend());
      }
    }
    return result;
  }

  /**
   * Picks a backend for a connection, skipping those it already tried.
   *
   * @param tried the connection's attempt so far; null for a pick outside a connection (none tried)
   * @return an eligible backend not yet tried; once each has failed for this connection, or when none is eligible,
   *     an enabled one whatever its health (fail open: a health verdict that lags behind a recovery must not refuse
   *     clients a live backend could serve); null when every such backend was tried
   */
  BackendStateImpl select(SelectionContext context, Upstream tried) {
    Snapshot current = snapshot;
    boolean failingOpen = current.eligible.isEmpty();
    BackendSelector selector = failingOpen ? current.fallbackSelector : current.selector;
    BackendStateImpl pick = (BackendStateImpl) selector.select(context);
    if (pick == null) {
      return null;
    }
    if ((failingOpen ? pick.selectable() : pick.eligible()) && (tried == null || !tried.wasTried(pick))) {
      return pick;
    }
    // Rare: the strategy chose a backend that already failed for this client (consistent hashing always does), or
    // one that left rotation since the snapshot was built. Take the next suitable one after it, so retries spread.
    BackendStateImpl next = failingOpen ? null : nextUntried(current.eligible, pick, tried, false, false);
    return next != null ? next : nextUntried(current.fallback, pick, tried, true, false);
  }

  /**
   * Takes a slot of {@code pick} (from {@link #select}) or, when it is full, of the next backend of the same kind
   * (eligible, or only selectable when {@code pick} came from failing open) that {@code tried} has not tried.
   *
   * @return the backend whose slot was taken; null when every such backend is at its connection limit
   */
  BackendStateImpl reserve(BackendStateImpl pick, Upstream tried) {
    if (pick.tryReserve()) {
      return pick;
    }
    boolean failingOpen = !pick.eligible();
    Snapshot current = snapshot;
    return nextUntried(failingOpen ? current.fallback : current.eligible, pick, tried, failingOpen, true);
  }

  private static BackendStateImpl nextUntried(List<BackendStateImpl> candidates, BackendState after, Upstream tried,
      boolean failingOpen, boolean reserve) {
    int start = Math.max(candidates.indexOf(after), 0);
    for (int i = 1; i <= candidates.size(); i++) {
      BackendStateImpl next = candidates.get((start + i) % candidates.size());
      if ((failingOpen ? next.selectable() : next.eligible()) && (tried == null || !tried.wasTried(next))
          && (!reserve || next.tryReserve())) {
        return next;
      }
    }
    return null;
  }
}
