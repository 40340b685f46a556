package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckContext;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of backend health: schedules active probes, applies rise/fall, ejects backends on consecutive
 * connect failures (passive health), ends an ejection early when active probes pass again, and publishes each
 * transition to the registry, the log and the listeners.
 *
 * <p>Thread-safe. Connect outcomes arrive from every event loop; the success path is one volatile read. Health
 * bookkeeping ({@link HealthTracker}) is guarded by {@code this}: it changes at most a few times per probe interval.
 * Lock order: this monitor, then the registry's lock, never the other way.
 */
final class HealthMonitor {

  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final BackendEvents events;
  /** Null when active checks are off; replaced (never mutated) by {@link #update(HealthCheck, HealthCheckOptions)}. */
  private volatile HealthCheck check;
  private volatile HealthCheckOptions checkOptions;
  /** Replaced (never mutated) by {@link #update(PassiveHealthOptions)}. */
  private volatile PassiveHealthOptions passive;
  private boolean closed;
  /** The PROXY header probes send first; NONE unless asked for. */
  private volatile ProxyProtocolVersion probeHeader = ProxyProtocolVersion.NONE;
  private volatile Optional<BackendTlsOptions> probeTls = Optional.empty();

  HealthMonitor(Vertx vertx, BackendRegistry registry, BackendEvents events, HealthCheck check,
      HealthCheckOptions checkOptions, PassiveHealthOptions passive) {
    this.vertx = vertx;
    this.registry = registry;
    this.events = events;
    this.check = check;
    this.checkOptions = checkOptions;
    this.passive = passive;
  }

  /** The health a backend starts with until {@link #admit} has its first verdict: UP without active checks. */
  BackendHealth initialHealth() {
    return check == null ? BackendHealth.UP : BackendHealth.DOWN;
  }

  /**
   * Gives a backend in the registry its first verdict and lets it into rotation: at once without active checks,
   * after one probe with them. One failed probe is enough to keep it DOWN (and one success makes it UP): waiting for
   * {@code fall} probes would send the first clients to a dead backend. Probes then go on on its own schedule.
   *
   * @return completes once admitted, within the probe timeout; never fails
   */
  Future<Void> admit(BackendStateImpl state) {
    if (check == null) {
      registry.admit(state);
      return Future.succeededFuture();
    }
    return probe(state).transform(ar -> {
      firstResult(state, ar.cause());
      return Future.<Void>succeededFuture();
    });
  }

  private synchronized void firstResult(BackendStateImpl state, Throwable failure) {
    HealthTracker tracker = state.tracker;
    if (closed || tracker.stopped) {
      return;
    }
    if (failure == null) {
      tracker.activeSuccesses = checkOptions.getRise();
      state.health(BackendHealth.UP);
    } else {
      tracker.activeFailures = checkOptions.getFall();
      tracker.activeDown = true;
      log.info("backend {} is DOWN: failed its first health check: {}", state.id(), describe(failure));
    }
    registry.admit(state);
    scheduleProbe(state);
  }

  /**
   * Replaces the active check and its schedule; each backend's probes follow from their next one. Active checks must
   * have been on from the start: turning them on or off changes how backends join, so it needs a new proxy.
   *
   * @throws IllegalStateException when active checks are off
   */
  synchronized void update(HealthCheck check, HealthCheckOptions options) {
    if (this.check == null) {
      throw new IllegalStateException("active health checks are off (expected: a proxy built with a health check)");
    }
    this.checkOptions = options;
    this.check = check;
  }

  /** Replaces the passive health options for the connects from now on. */
  void update(PassiveHealthOptions passive) {
    this.passive = passive;
  }

  /** Tells probes the TLS the proxy speaks to the backends, for checks that speak their protocol. */
  void probeTls(BackendTlsOptions tls) {
    this.probeTls = Optional.of(tls);
  }

  /** Makes probes send {@code header} first (a LOCAL/UNKNOWN one), for backends that require a PROXY header. */
  void probeHeader(ProxyProtocolVersion header) {
    this.probeHeader = header;
  }

  /** Whether active checks are on. */
  boolean activeChecks() {
    return check != null;
  }

  /** Stops probing a backend that is leaving, and any ejection timer of it. */
  synchronized void stop(BackendStateImpl state) {
    HealthTracker tracker = state.tracker;
    tracker.stopped = true;
    cancelTimers(tracker);
  }

  /** Stops every probe schedule and ejection timer; idempotent. */
  synchronized void close() {
    closed = true;
    for (BackendStateImpl state : registry.states()) {
      cancelTimers(state.tracker);
    }
  }

  private void cancelTimers(HealthTracker tracker) {
    if (tracker.probeTimer >= 0) {
      vertx.cancelTimer(tracker.probeTimer);
    }
    if (tracker.ejectionTimer >= 0) {
      vertx.cancelTimer(tracker.ejectionTimer);
    }
  }

  /** Passive health: a connect to {@code state} failed. Called from any event loop. */
  void connectFailed(BackendStateImpl state, Throwable cause) {
    if (!passive.isEnabled() || LocalFailures.isLocal(cause)) {
      return; // a shortage of the proxy's own (file descriptors) says nothing about the backend
    }
    int failures = state.consecutiveConnectFailures.incrementAndGet();
    if (failures >= passive.getConsecutiveFailures()) {
      tryEject(state, failures, cause);
    }
  }

  /** Passive health: a connection to {@code state} worked. Called from any event loop; one read when none failed. */
  void connectSucceeded(BackendStateImpl state) {
    if (state.consecutiveConnectFailures.get() != 0) {
      state.consecutiveConnectFailures.set(0);
    }
  }

  private Future<Void> probe(BackendStateImpl state) {
    Duration timeout = checkOptions.getTimeout();
    Promise<Void> result = Promise.promise();
    long timer = vertx.setTimer(timeout.toMillis(),
        id -> result.tryFail("timed out after " + Durations.format(timeout)));
    Future<Void> outcome;
    try {
      outcome = check.check(new ProbeContext(state.backend(), vertx, timeout, probeHeader,
          probeTls.map(BackendTlsOptions::new)));
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

  private synchronized void scheduleProbe(BackendStateImpl state) {
    HealthTracker tracker = state.tracker;
    if (closed || tracker.stopped) {
      return;
    }
    long interval = checkOptions.getInterval().toMillis();
    long jitter = (long) (interval * checkOptions.getJitter() * ThreadLocalRandom.current().nextDouble());
    tracker.probeTimer = vertx.setTimer(interval + jitter, id -> probe(state).onComplete(ar -> {
      if (ar.failed() && LocalFailures.isLocal(ar.cause())) {
        // The probe could not even be made here (out of file descriptors): no verdict either way.
        LocalFailures.warn(log, "health check of " + state.id(), ar.cause());
      } else {
        probeResult(state, ar.cause());
      }
      scheduleProbe(state);
    }));
  }

  private synchronized void probeResult(BackendStateImpl state, Throwable failure) {
    HealthTracker tracker = state.tracker;
    if (closed || tracker.stopped) {
      return;
    }
    int rise = checkOptions.getRise();
    if (failure != null) {
      tracker.activeSuccesses = 0;
      tracker.successesSinceEjection = 0;
      tracker.activeFailures++;
      if (!tracker.activeDown && tracker.activeFailures >= checkOptions.getFall()) {
        tracker.activeDown = true;
        publish(state, tracker.activeFailures + " consecutive failed health checks: " + describe(failure));
      }
      return;
    }
    tracker.activeFailures = 0;
    tracker.activeSuccesses++;
    if (tracker.activeDown && tracker.activeSuccesses >= rise) {
      tracker.activeDown = false;
    }
    boolean unejected = false;
    if (tracker.ejected) {
      tracker.successesSinceEjection++;
      if (passive.isUnejectOnActiveCheck() && tracker.successesSinceEjection >= rise) {
        endEjection(state);
        unejected = true;
      }
    }
    if (derive(tracker) == state.health()) {
      return;
    }
    if (tracker.ejected) {
      long remainingMillis = Math.max(0, (tracker.ejectedUntilNanos - System.nanoTime()) / 1_000_000);
      publish(state, "passes health checks again (" + tracker.activeSuccesses + " in a row) but stays ejected by "
          + "passive health for another " + Durations.format(Duration.ofMillis(remainingMillis)));
    } else {
      publish(state, "passed " + (unejected ? tracker.successesSinceEjection + " consecutive health checks since "
          + "its ejection" : tracker.activeSuccesses + " consecutive health checks"));
    }
  }

  private synchronized void tryEject(BackendStateImpl state, int failures, Throwable cause) {
    HealthTracker tracker = state.tracker;
    if (closed || tracker.stopped || tracker.ejected) {
      return;
    }
    int present = 0;
    int ejectedNow = 0;
    for (BackendStateImpl other : registry.states()) {
      present++;
      if (other.tracker.ejected) {
        ejectedNow++;
      }
    }
    if (ejectedNow >= Math.max(1, present * passive.getMaxEjectedPercent() / 100)) {
      return;
    }
    long now = System.nanoTime();
    // A backend that has stayed in for a whole maximum ejection time starts again from the base time.
    if (tracker.ejections > 0 && now - tracker.lastReturnNanos > passive.getMaxEjectionTime().toNanos()) {
      tracker.ejections = 0;
    }
    tracker.ejections++;
    state.ejections.increment();
    Duration time = passive.getBaseEjectionTime().multipliedBy(tracker.ejections);
    if (time.compareTo(passive.getMaxEjectionTime()) > 0) {
      time = passive.getMaxEjectionTime();
    }
    tracker.ejected = true;
    tracker.successesSinceEjection = 0;
    tracker.ejectedUntilNanos = now + time.toNanos();
    tracker.ejectionTimer = vertx.setTimer(time.toMillis(), id -> returnFromEjection(state));
    publish(state, "ejected for " + Durations.format(time) + " after " + failures
        + " consecutive connect failures: " + describe(cause));
  }

  private synchronized void returnFromEjection(BackendStateImpl state) {
    HealthTracker tracker = state.tracker;
    if (closed || tracker.stopped || !tracker.ejected) {
      return;
    }
    endEjection(state);
    publish(state, "ejection time over");
  }

  private void endEjection(BackendStateImpl state) {
    HealthTracker tracker = state.tracker;
    tracker.ejected = false;
    if (tracker.ejectionTimer >= 0) {
      vertx.cancelTimer(tracker.ejectionTimer);
      tracker.ejectionTimer = -1;
    }
    tracker.lastReturnNanos = System.nanoTime();
    state.consecutiveConnectFailures.set(0);
  }

  private static BackendHealth derive(HealthTracker tracker) {
    return tracker.activeDown ? BackendHealth.DOWN : tracker.ejected ? BackendHealth.EJECTED : BackendHealth.UP;
  }

  /** Sets the backend's health from its tracker and, when it changed, tells the registry, the log, listeners. */
  private void publish(BackendStateImpl state, String reason) {
    BackendHealth from = state.health();
    BackendHealth to = derive(state.tracker);
    if (from == to) {
      return;
    }
    state.health(to);
    registry.rebuild();
    Backend backend = state.backend();
    log.info("backend {} is {}: {}", backend.id(), to, reason);
    events.emit(new BackendEvent.HealthChanged(backend, from, to, reason));
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message != null ? message : failure.getClass().getSimpleName();
  }

  private record ProbeContext(Backend backend, Vertx vertx, Duration timeout, ProxyProtocolVersion proxyProtocol,
      Optional<BackendTlsOptions> backendTls) implements HealthCheckContext {
  }
}
