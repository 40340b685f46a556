package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.balancer.BackendState;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters and health of one backend. Counters are updated from every event loop without locks; the health
 * fields are written only by {@link HealthMonitor} under its lock and read by anyone.
 */
final class BackendStateImpl implements BackendState {

  private final Backend backend;
  /** Position in the configuration; identifies the backend in a connection's set of tried backends. */
  final int index;
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder total = new LongAdder();
  private final LongAdder failedConnects = new LongAdder();
  final LongAdder bytesToBackend = new LongAdder();
  final LongAdder bytesFromBackend = new LongAdder();
  /** Passive health: failed connects since the last success; read on every connect, so kept apart from the lock. */
  final AtomicInteger consecutiveConnectFailures = new AtomicInteger();

  private volatile BackendHealth health = BackendHealth.UP;

  BackendStateImpl(Backend backend, int index) {
    this.backend = backend;
    this.index = index;
  }

  @Override
  public Backend backend() {
    return backend;
  }

  @Override
  public int activeConnections() {
    return active.get();
  }

  BackendHealth health() {
    return health;
  }

  void health(BackendHealth health) {
    this.health = health;
  }

  void connectionOpened() {
    active.incrementAndGet();
    total.increment();
  }

  void connectionClosed() {
    active.decrementAndGet();
  }

  void connectFailed() {
    failedConnects.increment();
  }

  BackendStatus status() {
    return new BackendStatus(backend, health, active.get(), total.sum(), failedConnects.sum(),
        bytesToBackend.sum(), bytesFromBackend.sum());
  }

  @Override
  public String toString() {
    return backend.id();
  }
}
