package dev.hprp.proxy.junit5;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;

/**
 * A fault in force on a {@link TestProxy}, from {@link TestProxy#fault(Fault)}: what it has done, and the way to
 * remove it. Thread-safe.
 */
public final class InjectedFault {

  private final TestProxy owner;
  private final FaultHandle handle;

  InjectedFault(TestProxy owner, FaultHandle handle) {
    this.owner = owner;
    this.handle = handle;
  }

  /** The fault as injected. */
  public Fault fault() {
    return handle.fault();
  }

  /** Client connections it has acted on so far (see {@link FaultHandle#connections()}). */
  public long connections() {
    return handle.connections();
  }

  /**
   * Removes the fault: before this returns, new connections no longer meet it and open ones are free of it (what
   * it held back goes on at once). Calling it again does nothing. Blocks: call it from the test's thread.
   */
  public void remove() {
    TestProxy.sync(handle.remove());
    owner.forget(this);
  }

  @Override
  public String toString() {
    return handle.toString();
  }
}
