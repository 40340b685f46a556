package dev.hprp.proxy.fault;

import io.vertx.core.Future;

/**
 * A fault added to a proxy with {@link dev.hprp.proxy.ReverseProxy#addFault(Fault)}: its id, what it has done, and
 * the way to remove it.
 *
 * <p>Thread-safe; every method may be called from any thread.
 */
public interface FaultHandle {

  /** Its id within the proxy, such as {@code fault-3}: unique for the proxy's lifetime, never reused. */
  String id();

  /** The fault as added; never null. */
  Fault fault();

  /**
   * How many client connections it has acted on so far: those it took hold of (data faults), those whose connects
   * it delayed ({@link Fault#connectDelay}) or refused ({@link Fault#refuseFirst}); for the HTTP faults, the requests
   * it answered ({@link Fault#httpStatus}) or cut ({@link Fault#abortAfterHeaders}). A connection the fault's
   * narrowing left out (direction aside) is not counted.
   */
  long connections();

  /**
   * Removes the fault: new connections no longer meet it, and open connections are freed of it (what a data fault
   * held is passed on at once, in order).
   *
   * @return completes when no connection is subject to it any more; never fails; the same future on every call
   */
  Future<Void> remove();
}
