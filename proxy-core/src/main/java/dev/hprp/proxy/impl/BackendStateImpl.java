package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendAdminState;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.balancer.BackendState;
import io.vertx.core.Promise;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One backend for as long as it is in the proxy, from its addition to the end of its removal: its configuration,
 * live counters, health, admin state and health bookkeeping. A backend removed and added again gets a new instance,
 * so every counter and verdict starts afresh.
 *
 * <p>Thread-safe. Counters are updated from every event loop without locks. {@link #health}, {@link #adminState},
 * the weight and the membership flags are written under the registry's or the monitor's lock and read by anyone;
 * {@link #tracker} is the monitor's alone.
 */
final class BackendStateImpl implements BackendState, BackendCounters {

  /** The backend with its current weight; replaced, never mutated, by {@link BackendRegistry#setWeight}. */
  private volatile Backend backend;
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder total = new LongAdder();
  private final LongAdder failedConnects = new LongAdder();
  final LongAdder bytesToBackend = new LongAdder();
  final LongAdder bytesFromBackend = new LongAdder();
  /** Passive ejections since it was added; written under the health monitor's lock. */
  final LongAdder ejections = new LongAdder();
  /** Told each successful connect's duration in nanoseconds (a metrics timer); null when nobody listens. */
  private volatile LongConsumer connectTimer;
  /** Passive health: failed connects since the last success; read on every connect, so kept apart from the lock. */
  final AtomicInteger consecutiveConnectFailures = new AtomicInteger();
  /** The relayed connections, so that a removal can close those still open at its drain timeout. */
  private final Set<Upstream> open = ConcurrentHashMap.newKeySet();
  /**
   * Connections that hold one of its slots: connects under way and relayed connections. Counted whether or not it
   * has a limit, so that a limit set later sees the connections already open.
   */
  private final AtomicInteger slots = new AtomicInteger();
  /** The most slots at once; 0: no limit. */
  private volatile int maxConnections;
  /** {@link #maxConnections} was set for this backend alone, so a new proxy-wide default leaves it. */
  private volatile boolean limitOverridden;
  /** Guarded by the health monitor. */
  final HealthTracker tracker = new HealthTracker();

  private volatile BackendHealth health;
  private volatile BackendAdminState adminState = BackendAdminState.ENABLED;
  /** Its first health verdict is in: until then it takes no connection, not even when failing open. */
  private volatile boolean admitted;
  /** Its removal has begun: it takes no new connection, ever. */
  private volatile boolean removed;
  /** Derived, for the pick path: admitted, enabled, not removed, UP. */
  private volatile boolean eligible;
  /** Derived, for failing open: admitted, enabled, not removed, whatever its health. */
  private volatile boolean selectable;
  /** Completed when a removal has finished; set when the removal begins. */
  private volatile Promise<Void> removal;

  /** A backend with no connection limit. */
  BackendStateImpl(Backend backend, BackendHealth health, boolean admitted) {
    this(backend, health, admitted, 0);
  }

  BackendStateImpl(Backend backend, BackendHealth health, boolean admitted, int maxConnections) {
    this.backend = backend;
    this.maxConnections = maxConnections;
    this.health = health;
    this.admitted = admitted;
    derive();
  }

  @Override
  public Backend backend() {
    return backend;
  }

  @Override
  public String id() {
    return backend.id();
  }

  @Override
  public int activeConnections() {
    return active.get();
  }

  BackendHealth health() {
    return health;
  }

  BackendAdminState adminState() {
    return adminState;
  }

  @Override
  public boolean eligible() {
    return eligible;
  }

  @Override
  public long totalConnections() {
    return total.sum();
  }

  @Override
  public long failedConnects() {
    return failedConnects.sum();
  }

  @Override
  public long bytesToBackend() {
    return bytesToBackend.sum();
  }

  @Override
  public long bytesFromBackend() {
    return bytesFromBackend.sum();
  }

  @Override
  public long ejections() {
    return ejections.sum();
  }

  @Override
  public void connectTimer(LongConsumer timer) {
    this.connectTimer = timer;
  }

  /** The connect-duration hook, or null. */
  LongConsumer connectTimer() {
    return connectTimer;
  }

  boolean selectable() {
    return selectable;
  }

  boolean admitted() {
    return admitted;
  }

  boolean removed() {
    return removed;
  }

  Promise<Void> removal() {
    return removal;
  }

  void backend(Backend backend) {
    this.backend = backend;
  }

  void health(BackendHealth health) {
    this.health = health;
    derive();
  }

  void adminState(BackendAdminState adminState) {
    this.adminState = adminState;
    derive();
  }

  void admit() {
    this.admitted = true;
    derive();
  }

  /** Starts the removal: from now on no pick takes it. */
  void beginRemoval(Promise<Void> removal) {
    this.removal = removal;
    this.removed = true;
    this.adminState = BackendAdminState.DRAINING;
    derive();
  }

  private void derive() {
    selectable = admitted && !removed && adminState == BackendAdminState.ENABLED;
    eligible = selectable && health == BackendHealth.UP;
  }

  /**
   * Counts a new connection to it. Returns false, counting nothing, when its removal began meanwhile: the
   * connection must then go elsewhere. The count is taken before the check, and the removal sets its flag before it
   * reads the count, so either this sees the removal or the removal waits for this connection.
   */
  boolean connectionOpened(Upstream upstream) {
    active.incrementAndGet();
    if (removed) {
      active.decrementAndGet();
      return false;
    }
    open.add(upstream);
    total.increment();
    return true;
  }

  /** @return the active count after this connection left */
  int connectionClosed(Upstream upstream) {
    open.remove(upstream);
    return active.decrementAndGet();
  }

  /** Closes every relayed connection still open; they report their close as usual. */
  void abortAll() {
    open.forEach(Upstream::abort);
  }

  /** Runs {@code action} on every relayed connection open now (weakly consistent, as a concurrent set's view). */
  void forEachOpen(Consumer<Upstream> action) {
    open.forEach(action);
  }

  /**
   * Takes one of its slots for a connect: always when it has no limit, else when fewer than its limit are taken.
   * Every slot taken is given back once with {@link #releaseSlot}.
   */
  boolean tryReserve() {
    int max = maxConnections;
    if (max == 0) {
      slots.incrementAndGet();
      return true;
    }
    int taken;
    do {
      taken = slots.get();
      if (taken >= max) {
        return false;
      }
    } while (!slots.compareAndSet(taken, taken + 1));
    return true;
  }

  void releaseSlot() {
    slots.decrementAndGet();
  }

  int maxConnections() {
    return maxConnections;
  }

  /** Sets its own limit, which a later proxy-wide default does not change. */
  void overrideMaxConnections(int max) {
    limitOverridden = true;
    maxConnections = max;
  }

  /** Takes the proxy-wide default limit, unless it has its own. */
  void defaultMaxConnections(int max) {
    if (!limitOverridden) {
      maxConnections = max;
    }
  }

  void connectFailed() {
    failedConnects.increment();
  }

  BackendStatus status() {
    return new BackendStatus(backend, health, adminState, active.get(), total.sum(), failedConnects.sum(),
        bytesToBackend.sum(), bytesFromBackend.sum());
  }

  @Override
  public String toString() {
    return backend.id();
  }
}
