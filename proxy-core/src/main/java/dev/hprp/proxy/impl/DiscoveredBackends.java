package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DiscoveryContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy's discovery sources and the union of their sets with the configured backends: each source reports its own
 * set (kept until it reports another, so a source that fails keeps its last good one); when the union changes, it goes
 * to the proxy in one call.
 * An unchanged union, in any order, calls nothing, so the selector and its position stay.
 *
 * <p>Thread-safe. Reports are serialised by this object's lock, which is held while the proxy plans the update, so
 * two unions are never applied out of order. Lock order: this, then the proxy; {@link #close()} takes no lock, so the
 * proxy may call it holding its own.
 */
final class DiscoveredBackends {

  private static final Logger log = LoggerFactory.getLogger(DiscoveredBackends.class);

  /** Applies a new union: {@code before} is the union applied last (the configured backends at start). */
  @FunctionalInterface
  interface Applier {
    Future<Void> apply(List<Backend> before, List<Backend> after);
  }

  /** The backends configured at build time: part of every union, first. */
  private final List<Backend> fixed;
  private final List<BackendDiscovery> sources;
  private final Applier applier;
  /** Each source's last set, by its index; null until it reported one. Guarded by this. */
  private final List<Backend>[] sets;
  /** The union last applied: the configured backends, already in the registry, until the first. Guarded by this. */
  private List<Backend> applied;
  /**
   * While the additions of a change that also removes are joining: completes once the rest is applied too; null
   * otherwise. Guarded by this.
   */
  private Future<Void> settling;
  /** Whether unions are applied as they change: from the start's first union on. Guarded by this. */
  private boolean live;
  private volatile boolean closed;
  /** Set by the first {@link #close()}. */
  private final AtomicReference<Future<Void>> closing = new AtomicReference<>();

  @SuppressWarnings("unchecked")
  DiscoveredBackends(List<Backend> fixed, List<BackendDiscovery> sources, Applier applier) {
    this.fixed = fixed;
    this.applied = fixed;
    this.sources = sources;
    this.applier = applier;
    this.sets = new List[sources.size()];
  }

  /**
   * Starts every source, waits for each one's first set, and applies their union.
   *
   * @return completes once that union is applied (additions admitted); fails with the first source's failure, every
   *     source then closed
   */
  Future<Void> start(Vertx vertx) {
    List<Future<Void>> firsts = new ArrayList<>(sources.size());
    for (int i = 0; i < sources.size(); i++) {
      int index = i;
      BackendDiscovery source = sources.get(i);
      firsts.add(startOne(source, new DiscoveryContext() {
        @Override
        public Vertx vertx() {
          return vertx;
        }

        @Override
        public void update(List<Backend> backends) {
          report(index, backends);
        }
      }));
    }
    return Future.all(firsts)
        .recover(e -> close().transform(ar -> Future.failedFuture(e)))
        .compose(v -> {
          synchronized (this) {
            live = true;
            return applyUnion();
          }
        });
  }

  private static Future<Void> startOne(BackendDiscovery source, DiscoveryContext context) {
    try {
      return Objects.requireNonNull(source.start(context), "the future of " + source + ".start");
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void report(int index, List<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    List<Backend> copy = List.copyOf(backends);
    if (new HashSet<>(copy.stream().map(Backend::id).toList()).size() != copy.size()) {
      throw new IllegalArgumentException("discovery " + sources.get(index) + ": an address is listed twice in "
          + copy);
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      sets[index] = copy;
      if (live) {
        applyUnion().onFailure(e -> log.warn("backends of {} not applied: {}", sources.get(index), e.toString()));
      }
    }
  }

  /**
   * Applies the union when it differs from the last one applied. Called holding this lock.
   *
   * <p>Make before break: when a change both adds and removes backends (a DNS name moving to new addresses), the new
   * ones join first, the old ones staying; once the new ones are in rotation (probed when checks are on), the union
   * of that moment is applied, removing what left; reports that arrive meanwhile wait for it. Removing at once would
   * leave no eligible backend while the new ones are probed, and clients would be turned away.
   */
  private Future<Void> applyUnion() {
    if (settling != null) {
      return settling;
    }
    Map<String, Backend> union = new LinkedHashMap<>();
    fixed.forEach(backend -> union.put(backend.id(), backend));
    for (List<Backend> set : sets) {
      if (set != null) {
        set.forEach(backend -> union.putIfAbsent(backend.id(), backend));
      }
    }
    List<Backend> after = List.copyOf(union.values());
    if (new HashSet<>(after).equals(new HashSet<>(applied))) {
      return Future.succeededFuture();
    }
    List<Backend> before = applied;
    Map<String, Backend> kept = new LinkedHashMap<>();
    before.forEach(backend -> kept.put(backend.id(), backend));
    boolean removes = !union.keySet().containsAll(kept.keySet());
    boolean adds = !kept.keySet().containsAll(union.keySet());
    if (!(adds && removes)) {
      applied = after;
      return applier.apply(before, after);
    }
    kept.putAll(union);
    applied = List.copyOf(kept.values());
    Promise<Void> settled = Promise.promise();
    settling = settled.future();
    applier.apply(before, applied).onComplete(additions -> {
      Future<Void> rest;
      synchronized (this) {
        settling = null;
        rest = closed ? Future.succeededFuture() : applyUnion();
      }
      rest.onComplete(settled);
    });
    return settled.future();
  }

  /** Closes every source; later reports are ignored. Idempotent; never fails. */
  Future<Void> close() {
    closed = true;
    Promise<Void> done = Promise.promise();
    if (!closing.compareAndSet(null, done.future())) {
      return closing.get();
    }
    List<Future<Void>> closed = new ArrayList<>(sources.size());
    for (BackendDiscovery source : sources) {
      closed.add(source.close().otherwiseEmpty());
    }
    Future.join(closed).onComplete(ar -> done.complete());
    return done.future();
  }

  @Override
  public String toString() {
    return Arrays.toString(sources.toArray());
  }
}
