package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.balancer.SelectionContext;
import io.vertx.core.Future;

/**
 * The protocol-independent step between a client and a backend: select a backend (skipping those already tried),
 * connect, fail over to another backend when the connect fails, feed passive health, and count; connect faults
 * ({@link dev.hprp.proxy.fault.Fault#refuseFirst}, {@link dev.hprp.proxy.fault.Fault#connectDelay}) act here. TCP
 * mode calls it once per client connection, HTTP mode once per request; whatever the protocol, it gets an
 * {@link Upstream} that releases the backend's active count exactly once. Per-backend connection limits apply here:
 * a connect holds one of its backend's slots from the dial to the release, and a client that finds every eligible
 * backend full waits in the {@link BackendQueue} (which is not an attempt).
 *
 * <p>Thread-safe and shared by every event loop; all per-connection state lives in the {@link Upstream}.
 */
public final class UpstreamConnector {

  private final BackendRegistry registry;
  private final HealthMonitor monitor;
  private final FaultRegistry faults;
  /** The settings below may change while the proxy runs ({@link #reconfigure}); each connect reads them once. */
  private volatile int maxAttempts;
  private volatile long earlyCloseWindowNanos;
  private final BackendQueue queue;
  private final Edge edge;
  private final Connections connections;

  UpstreamConnector(BackendRegistry registry, HealthMonitor monitor, FaultRegistry faults, int maxAttempts,
      long earlyCloseWindowNanos, BackendQueue queue, Edge edge, Connections connections) {
    this.connections = connections;
    this.queue = queue;
    this.edge = edge;
    this.registry = registry;
    this.monitor = monitor;
    this.faults = faults;
    this.maxAttempts = maxAttempts;
    this.earlyCloseWindowNanos = earlyCloseWindowNanos;
  }

  /** Takes new values of the settings that may change while the proxy runs, for the connections from now on. */
  void reconfigure(int maxAttempts, long earlyCloseWindowNanos) {
    this.maxAttempts = maxAttempts;
    this.earlyCloseWindowNanos = earlyCloseWindowNanos;
  }

  /**
   * What a protocol supplies for one client: how to reach a backend, and what to do with the result. Its methods
   * are called on the event loop that {@link #dial} completes on.
   *
   * @param <C> the protocol's upstream connection
   */
  public interface Attempt<C> extends SelectionContext {

    /** Opens a connection to {@code backend}; the future fails when the backend cannot be reached. */
    Future<C> dial(Backend backend);

    /** Whether a backend is still wanted; false once the client has gone, which ends the attempts. */
    boolean wanted();

    /**
     * Called first, before any other method, with the handle that {@link #connected} will receive too: what a
     * protocol that records its connections reads the attempts from, whichever way the connection ends.
     */
    default void started(Upstream upstream) {
    }

    /** The attempts stopped because {@link #wanted()} turned false: the client is gone. */
    default void abandoned() {
    }

    /** A backend accepted: relay between the client and {@code connection}; release {@code upstream} when done. */
    void connected(Upstream upstream, C connection);

    /**
     * No backend could be connected: every eligible one failed, the attempts ran out, or none is left; a dial failed
     * for a reason that is not the backend's fault ({@link #backendFault}), or for a local one (out of file
     * descriptors); or, unless the protocol tells them apart, the queue was full ({@link #queueFull}) or timed out
     * ({@link #queueTimedOut}).
     */
    void failed(int attempts);

    /**
     * Whether a failed {@link #dial} is the backend's fault: counted by passive health and retried on another
     * backend. When false (HTTP mode's pool queue full or timed out) the attempts end at once with {@link #failed}.
     */
    default boolean backendFault(Throwable cause) {
      return true;
    }

    /**
     * Every eligible backend stayed at its connection limit for the whole queue timeout: TCP mode closes the client,
     * HTTP mode answers 503. {@link #failed} unless the protocol tells the two apart.
     */
    default void queueTimedOut(int attempts) {
      failed(attempts);
    }

    /**
     * Every eligible backend was at its connection limit and the queue was full, so the client was not queued: TCP
     * mode closes the client, HTTP mode answers 503. {@link #failed} unless the protocol tells the two apart.
     */
    default void queueFull(int attempts) {
      failed(attempts);
    }

    /** Closes a connection that is not used after all (its backend began leaving while it was being opened). */
    void discard(C connection);

    /**
     * Closes the client and its connected backend at once, whatever is unsent (a removal's drain timeout is over).
     * Called from any thread, after {@link #connected}.
     */
    void abort();

    /**
     * The proxy's faults changed (see {@link FaultRegistry}): apply {@link FaultRegistry#active()} to the relayed
     * connection on its event loop. Called from any thread, after {@link #connected}; a protocol applies the faults
     * in force when it is connected as well.
     *
     * @return completes once applied (or once the connection is found closed); never fails
     */
    default Future<Void> faultsChanged() {
      return Future.succeededFuture();
    }
  }

  /** Starts connecting for one client; the outcome goes to {@code attempt}. */
  public <C> void connect(Attempt<C> attempt) {
    Upstream.Connecting<C> upstream = new Upstream.Connecting<>(this, attempt);
    attempt.started(upstream);
    upstream.next();
  }

  /** The proxy's client connections: counts, records, the drain. */
  public Connections connections() {
    return connections;
  }

  /**
   * The backends new connections may go to now (healthy, enabled, not leaving), in configuration order: what TCP
   * mode's pool keeps connections open to. Any thread; a snapshot, never null.
   */
  public java.util.List<Backend> eligibleBackends() {
    return registry.eligibleBackends();
  }

  /**
   * What every mode's server applies to its clients around the connector: the proxy-wide connection limit, the client
   * timeout, the PROXY protocol.
   */
  public Edge edge() {
    return edge;
  }

  /** Gives back a backend slot (a connect failed, or a connection ended) and serves the queue with it. */
  void releaseSlot(BackendStateImpl state) {
    state.releaseSlot();
    queue.drain();
  }

  BackendQueue queue() {
    return queue;
  }

  BackendRegistry registry() {
    return registry;
  }

  HealthMonitor monitor() {
    return monitor;
  }

  /** The proxy's faults: read {@link FaultRegistry#active()} once per connection, never per chunk. */
  public FaultRegistry faults() {
    return faults;
  }

  int maxAttempts() {
    return maxAttempts;
  }

  long earlyCloseWindowNanos() {
    return earlyCloseWindowNanos;
  }
}
