package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckContext;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.HealthListener;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of backend health: schedules active probes, applies rise/fall, ejects backends on consecutive
 * connect failures (passive health), and publishes each transition to the registry, the log and the listeners.
 *
 * <p>Thread-safe. Connect outcomes arrive from every event loop; the success path is one volatile read. Health
 * bookkeeping is guarded by {@code this}: it changes at most a few times per probe interval.
 */
final class HealthMonitor {

  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private final Vertx vertx;
  private final Context context;
  private final BackendRegistry registry;
  private final HealthCheck check;
  private final HealthCheckOptions checkOptions;
  private final PassiveHealthOptions passive;
  private final List<HealthListener> listeners;
  private final Tracker[] trackers;
  private final int maxEjected;
  private boolean closed;

  /** Per-backend bookkeeping, guarded by the monitor. */
  private static final class Tracker {
    final BackendStateImpl state;
    boolean activeDown;
    int activeSuccesses;
    int activeFailures;
    boolean ejected;
    int ejections;
    long lastReturnNanos;
    long timerId = -1;

    Tracker(BackendStateImpl state) {
      this.state = state;
    }
  }

  HealthMonitor(Vertx vertx, BackendRegistry registry, ProxyConfig config) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.registry = registry;
    this.check = config.healthCheck();
    this.checkOptions = config.healthCheckOptions();
    this.passive = config.passiveHealthOptions();
    this.listeners = config.healthListeners();
    List<BackendStateImpl> states = registry.states();
    this.trackers = new Tracker[states.size()];
    for (BackendStateImpl state : states) {
      trackers[state.index] = new Tracker(state);
    }
    this.maxEjected = Math.max(1, states.size() * passive.getMaxEjectedPercent() / 100);
  }

  /**
   * Probes every backend once, in parallel, then keeps probing each on its own schedule. At boot one failure is
   * enough to mark a backend DOWN (and one success keeps it UP): waiting for {@code fall} probes would send the first
   * clients to a dead backend.
   *
   * @return completes after the first round, within the probe timeout; never fails
   */
  Future<Void> start() {
    if (check == null) {
      return Future.succeededFuture();
    }
    Promise<Void> firstRound = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> probes = new ArrayList<>(trackers.length);
      for (Tracker tracker : trackers) {
        probes.add(probe(tracker).andThen(ar -> firstResult(tracker, ar.cause())));
      }
      Future.join(probes).onComplete(ar -> firstRound.complete());
    });
    return firstRound.future();
  }

  /** Stops every probe schedule and ejection timer; idempotent. */
  synchronized void close() {
    closed = true;
    for (Tracker tracker : trackers) {
      if (tracker.timerId >= 0) {
        vertx.cancelTimer(tracker.timerId);
      }
    }
  }

  /** Passive health: a connect to {@code state} failed. Called from any event loop. */
  void connectFailed(BackendStateImpl state, Throwable cause) {
    if (!passive.isEnabled()) {
      return;
    }
    int failures = state.consecutiveConnectFailures.incrementAndGet();
    if (failures >= passive.getConsecutiveFailures()) {
      tryEject(trackers[state.index], failures, cause);
    }
  }

  /** Passive health: a connect to {@code state} succeeded. Called from any event loop; one read when nothing failed. */
  void connectSucceeded(BackendStateImpl state) {
    if (state.consecutiveConnectFailures.get() != 0) {
      state.consecutiveConnectFailures.set(0);
    }
  }

  private Future<Void> probe(Tracker tracker) {
    Duration timeout = checkOptions.getTimeout();
    Promise<Void> result = Promise.promise();
    long timer = vertx.setTimer(timeout.toMillis(),
        id -> result.tryFail("timed out after " + Durations.format(timeout)));
    Future<Void> outcome;
    try {
      outcome = check.check(new ProbeContext(tracker.state.backend(), vertx, timeout));
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    outcome.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        result.tryComplete();
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  private synchronized void firstResult(Tracker tracker, Throwable failure) {
    if (failure == null) {
      tracker.activeSuccesses = checkOptions.getRise();
    } else {
      tracker.activeFailures = checkOptions.getFall();
      tracker.activeDown = true;
      publish(tracker, "failed the first health check: " + describe(failure));
    }
    scheduleProbe(tracker);
  }

  private synchronized void scheduleProbe(Tracker tracker) {
    if (closed) {
      return;
    }
    long interval = checkOptions.getInterval().toMillis();
    long jitter = (long) (interval * checkOptions.getJitter() * ThreadLocalRandom.current().nextDouble());
    tracker.timerId = vertx.setTimer(interval + jitter, id -> probe(tracker).onComplete(ar -> {
      probeResult(tracker, ar.cause());
      scheduleProbe(tracker);
    }));
  }

  private synchronized void probeResult(Tracker tracker, Throwable failure) {
    if (closed) {
      return;
    }
    if (failure == null) {
      tracker.activeFailures = 0;
      tracker.activeSuccesses++;
      if (tracker.activeDown && tracker.activeSuccesses >= checkOptions.getRise()) {
        tracker.activeDown = false;
        publish(tracker, tracker.activeSuccesses + " consecutive successful health checks");
      }
    } else {
      tracker.activeSuccesses = 0;
      tracker.activeFailures++;
      if (!tracker.activeDown && tracker.activeFailures >= checkOptions.getFall()) {
        tracker.activeDown = true;
        publish(tracker, tracker.activeFailures + " consecutive failures: " + describe(failure));
      }
    }
  }

  private synchronized void tryEject(Tracker tracker, int failures, Throwable cause) {
    if (closed || tracker.ejected) {
      return;
    }
    int ejectedNow = 0;
    for (Tracker t : trackers) {
      if (t.ejected) {
        ejectedNow++;
      }
    }
    if (ejectedNow >= maxEjected) {
      return;
    }
    long now = System.nanoTime();
    // A backend that has stayed in for a whole maximum ejection time starts again from the base time.
    if (tracker.ejections > 0 && now - tracker.lastReturnNanos > passive.getMaxEjectionTime().toNanos()) {
      tracker.ejections = 0;
    }
    tracker.ejections++;
    Duration base = passive.getBaseEjectionTime();
    Duration time = base.multipliedBy(tracker.ejections);
    if (time.compareTo(passive.getMaxEjectionTime()) > 0) {
      time = passive.getMaxEjectionTime();
    }
    tracker.ejected = true;
    publish(tracker, "ejected for " + Durations.format(time) + " after " + failures
        + " consecutive connect failures: " + describe(cause));
    vertx.setTimer(time.toMillis(), id -> returnFromEjection(tracker));
  }

  private synchronized void returnFromEjection(Tracker tracker) {
    if (closed) {
      return;
    }
    tracker.ejected = false;
    tracker.lastReturnNanos = System.nanoTime();
    tracker.state.consecutiveConnectFailures.set(0);
    publish(tracker, "ejection time over");
  }

  /** Derives the backend's health from its trackers and, when it changed, tells the registry, the log, listeners. */
  private void publish(Tracker tracker, String reason) {
    BackendHealth from = tracker.state.health();
    BackendHealth to = tracker.activeDown ? BackendHealth.DOWN
        : tracker.ejected ? BackendHealth.EJECTED : BackendHealth.UP;
    if (from == to) {
      return;
    }
    tracker.state.health(to);
    registry.refresh();
    Backend backend = tracker.state.backend();
    log.info("backend {} {} ({})", backend.id(), to, reason);
    HealthListener.Transition transition = new HealthListener.Transition(backend, from, to, reason);
    for (HealthListener listener : listeners) {
      try {
        listener.onTransition(transition);
      } catch (RuntimeException e) {
        log.warn("health listener {} failed on {}", listener, transition, e);
      }
    }
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message != null ? message : failure.getClass().getSimpleName();
  }

  private record ProbeContext(Backend backend, Vertx vertx, Duration timeout) implements HealthCheckContext {
  }
}
