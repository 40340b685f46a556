package dev.hprp.proxy.impl;

/**
 * The health monitor's bookkeeping of one backend: active-check streaks, passive ejection, and the timers that act
 * on them. Guarded by the {@link HealthMonitor}; nothing else reads it.
 */
final class HealthTracker {
  /** Active checks say DOWN. */
  boolean activeDown;
  int activeSuccesses;
  int activeFailures;
  /** Passive health has ejected it. */
  boolean ejected;
  /** Active successes in a row since the current ejection began; they may end it early. */
  int successesSinceEjection;
  int ejections;
  long lastReturnNanos;
  long ejectedUntilNanos;
  long probeTimer = -1;
  long ejectionTimer = -1;
  /** The backend left the proxy: late probe results are ignored and nothing is rescheduled. */
  boolean stopped;
}
