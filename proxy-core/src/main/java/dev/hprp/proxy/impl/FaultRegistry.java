package dev.hprp.proxy.impl;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults of one proxy. Connections read {@link #active()} (one volatile read) when they connect, and meet no
 * fault code at all while it is empty; a change is published there first, then pushed to every open connection (each
 * backend's set of relayed connections, which the proxy keeps anyway for removals), which applies it on its own event
 * loop.
 *
 * <p>Why both: a connection that registers as open after the push went through the sets reads the list after it
 * registered, so it sees the change; one registered before gets the push. Either way each connection applies the
 * current list, not a difference, so seeing a change twice is harmless.
 *
 * <p>Thread-safe. Changes take {@link #lock}; readers never do.
 */
public final class FaultRegistry {

  private static final Logger log = LoggerFactory.getLogger(FaultRegistry.class);
  private static final ActiveFault[] NONE = {};

  private final Vertx vertx;
  private final BackendRegistry backends;
  private final Object lock = new Object();
  private final AtomicLong ids = new AtomicLong();
  /** The faults in force, in the order added; replaced under {@link #lock}, never mutated. */
  private volatile ActiveFault[] active = NONE;

  FaultRegistry(Vertx vertx, BackendRegistry backends) {
    this.vertx = vertx;
    this.backends = backends;
  }

  /** The faults in force, in the order added; empty (the same array each time) when none. Do not modify. */
  public ActiveFault[] active() {
    return active;
  }

  /** The proxy's Vert.x, for timers and blocking work of the faults. */
  public Vertx vertx() {
    return vertx;
  }

  List<FaultHandle> handles() {
    return List.of(active);
  }

  Future<FaultHandle> add(Fault fault) {
    ActiveFault added;
    synchronized (lock) {
      added = new ActiveFault(this, "fault-" + ids.incrementAndGet(), fault);
      ActiveFault[] next = Arrays.copyOf(active, active.length + 1);
      next[next.length - 1] = added;
      active = next;
    }
    log.info("fault {} added: {}", added.id(), fault);
    return pushToOpenConnections().map(added);
  }

  Future<Void> remove(ActiveFault fault) {
    Promise<Void> removed = Promise.promise();
    synchronized (lock) {
      if (fault.removal() != null) {
        return fault.removal();
      }
      fault.removal(removed.future());
      List<ActiveFault> next = new ArrayList<>(Arrays.asList(active));
      next.remove(fault);
      active = next.isEmpty() ? NONE : next.toArray(NONE);
    }
    log.info("fault {} removed after acting on {} connection(s)", fault.id(), fault.connections());
    pushToOpenConnections().onComplete(removed);
    return removed.future();
  }

  /** Has every open connection apply the current faults; completes once each has. */
  private Future<Void> pushToOpenConnections() {
    List<Future<Void>> applied = new ArrayList<>();
    for (BackendStateImpl state : backends.states()) {
      state.forEachOpen(upstream -> applied.add(upstream.faultsChanged()));
    }
    return Future.join(applied).mapEmpty();
  }
}
