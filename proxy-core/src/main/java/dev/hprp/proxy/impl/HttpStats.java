package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP mode's per-request figures of one proxy, for the metrics: the requests waiting for a pooled backend connection
 * now, and each ended request told to the observers (the metrics binder). Mode-independent code never calls it; in TCP
 * mode it stays at zero.
 *
 * <p>Thread-safe: requests on every event loop call it at once. Lock-free for the requests; adding and removing an
 * observer takes this object's lock.
 */
public final class HttpStats {

  /** Told of every request that ended, on the request's event loop: keep it quick, never block. */
  @FunctionalInterface
  public interface RequestObserver {

    /**
     * One request ended.
     *
     * @param backend       the backend that answered it, or the one an HTTP fault answered for; null when none did
     * @param status        the status the client got; 0 when it got none (it left first, or the connection was cut
     *                      before a head)
     * @param durationNanos from its head's arrival to its end
     */
    void requestEnded(Backend backend, int status, long durationNanos);
  }

  private static final RequestObserver[] NONE = {};

  private final AtomicInteger poolWaiting = new AtomicInteger();
  /** Replaced under this object's lock, never mutated: requests read it without one. */
  private volatile RequestObserver[] observers = NONE;

  HttpStats() {
  }

  /** A request began waiting for its backend connection from the pool (a new one being connected included). */
  public void poolWaitBegan() {
    poolWaiting.incrementAndGet();
  }

  /** A request that {@link #poolWaitBegan() waited} got its connection, or gave up. */
  public void poolWaitEnded() {
    poolWaiting.decrementAndGet();
  }

  /** Requests waiting now for a backend connection from the pool. */
  public int poolWaiting() {
    return poolWaiting.get();
  }

  /** Tells every observer of a request that ended; see {@link RequestObserver#requestEnded}. */
  public void requestEnded(Backend backend, int status, long durationNanos) {
    for (RequestObserver observer : observers) {
      observer.requestEnded(backend, status, durationNanos);
    }
  }

  /** Tells {@code observer} of every request that ends from now on. */
  public synchronized void addObserver(RequestObserver observer) {
    RequestObserver[] next = Arrays.copyOf(observers, observers.length + 1);
    next[next.length - 1] = observer;
    observers = next;
  }

  /** Stops telling {@code observer}; nothing when it was not added. */
  public synchronized void removeObserver(RequestObserver observer) {
    observers = Arrays.stream(observers).filter(o -> o != observer).toArray(RequestObserver[]::new);
  }
}
