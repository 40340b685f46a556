package dev.hprp.proxy.impl;

import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Clients waiting for a backend slot: those that found every eligible backend at its connection limit, in one FIFO
 * queue (HAProxy's backend queue, {@code maxqueue}, {@code timeout queue}). A slot that frees goes to the first waiter
 * that may use it; a waiter not served within the queue timeout is told so, and its protocol closes it (TCP) or
 * answers 503 (HTTP).
 *
 * <p>Thread-safe: waiters come from every event loop, and slots free on every event loop. The queue's lock is taken
 * only when a client must wait or while some wait; {@link #drain()} on an empty queue is one volatile read, which is
 * all a connection's release costs when no limit is reached. A waiter enqueues and then drains, and a slot is freed
 * and then the queue drained, so a slot freed while a waiter enqueues is never missed: one of the two drains sees
 * both.
 */
final class BackendQueue {

  private final Vertx vertx;
  private final BackendRegistry registry;
  /** Guarded by {@code this}. */
  private final ArrayDeque<Upstream.Connecting<?>> waiters = new ArrayDeque<>();
  /** The queue's length, written under the lock, read without. */
  private volatile int size;
  private volatile int maxQueue;
  private volatile long timeoutMillis;

  BackendQueue(Vertx vertx, BackendRegistry registry, int maxQueue, long timeoutMillis) {
    this.vertx = vertx;
    this.registry = registry;
    this.maxQueue = maxQueue;
    this.timeoutMillis = timeoutMillis;
  }

  /** Clients waiting now. */
  int size() {
    return size;
  }

  /** Sets the queue's bounds for clients that start waiting from now on. */
  void limits(int maxQueue, long timeoutMillis) {
    this.maxQueue = maxQueue;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Puts {@code waiter} at the back, with its queue timeout running, then serves whoever can be served.
   *
   * @return false when the queue is full: the waiter was not queued
   */
  boolean enqueue(Upstream.Connecting<?> waiter) {
    waiter.queueTimer = vertx.setTimer(timeoutMillis, id -> timedOut(waiter));
    synchronized (this) {
      if (size >= maxQueue) {
        vertx.cancelTimer(waiter.queueTimer);
        return false;
      }
      waiters.addLast(waiter);
      size++;
    }
    drain();
    return true;
  }

  private void timedOut(Upstream.Connecting<?> waiter) {
    synchronized (this) {
      if (!waiters.remove(waiter)) {
        return; // served meanwhile
      }
      size--;
    }
    waiter.queueTimedOut();
  }

  /**
   * Gives free slots to waiters, first come first served: for each waiter in order, its balancer's pick among the
   * backends it has not tried, or the next of them with a free slot. A waiter left with no backend at all (they were
   * removed, or it tried them all) leaves the queue as unserved.
   */
  void drain() {
    if (size == 0) {
      return;
    }
    List<Upstream.Connecting<?>> served = null;
    List<BackendStateImpl> slots = null;
    List<Upstream.Connecting<?>> unserved = null;
    synchronized (this) {
      // Waiters that have tried no backend all see the same candidates: once one of them finds every slot taken,
      // the others would too.
      boolean freshBlocked = false;
      for (Iterator<Upstream.Connecting<?>> it = waiters.iterator(); it.hasNext(); ) {
        Upstream.Connecting<?> waiter = it.next();
        boolean fresh = !waiter.triedAny();
        if (fresh && freshBlocked) {
          continue;
        }
        BackendStateImpl pick = registry.select(waiter.attempt(), waiter);
        if (pick == null) {
          it.remove();
          size--;
          unserved = add(unserved, waiter);
          continue;
        }
        BackendStateImpl slot = registry.reserve(pick, waiter);
        if (slot == null) {
          freshBlocked |= fresh;
          continue;
        }
        it.remove();
        size--;
        served = add(served, waiter);
        slots = add(slots, slot);
      }
    }
    if (served != null) {
      for (int i = 0; i < served.size(); i++) {
        Upstream.Connecting<?> waiter = served.get(i);
        vertx.cancelTimer(waiter.queueTimer);
        waiter.resume(slots.get(i));
      }
    }
    if (unserved != null) {
      for (Upstream.Connecting<?> waiter : unserved) {
        vertx.cancelTimer(waiter.queueTimer);
        waiter.resumeUnserved();
      }
    }
  }

  private static <T> List<T> add(List<T> list, T item) {
    List<T> result = list != null ? list : new ArrayList<>(4);
    result.add(item);
    return result;
  }
}
