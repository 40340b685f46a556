package dev.hprp.proxy.balancer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A position in a fixed period that every pick advances by one, shared by all event loops.
 *
 * <p>Wait-free: one atomic increment per call. The counter is a {@code long} because an {@code int} would wrap after
 * 2<sup>31</sup> picks (days at proxy rates) and, unless the period divides 2<sup>32</sup>, skip or repeat a position
 * there; 2<sup>63</sup> picks are never reached.
 */
final class Rotation {

  private final AtomicLong ticks;
  private final int period;

  /**
   * @param period    number of positions, at least 1
   * @param firstTick the counter's initial value; 0 in production, tests start near an {@code int}'s overflow
   */
  Rotation(int period, long firstTick) {
    this.period = period;
    this.ticks = new AtomicLong(firstTick);
  }

  /** The next position, 0 to period - 1, in order. */
  int next() {
    return Math.floorMod(ticks.getAndIncrement(), period);
  }
}
