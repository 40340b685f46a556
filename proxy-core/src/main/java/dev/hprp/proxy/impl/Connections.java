package dev.hprp.proxy.impl;

import dev.hprp.proxy.ConnectionListener;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client connections of one proxy, whatever the mode: how many were accepted and are open, the listeners of
 * their records, and the drain's state. Each protocol calls {@link #opened()} once per accepted client and
 * {@link #closed} once when it has ended; HTTP mode also hands each request's record to {@link #requestEnded} and
 * counts its requests in {@link #http()}.
 *
 * <p>Thread-safe and lock-free: called from every event loop.
 */
public final class Connections {

  private static final Logger log = LoggerFactory.getLogger(Connections.class);

  private final LongAdder accepted = new LongAdder();
  private final AtomicInteger active = new AtomicInteger();
  private final HttpStats http = new HttpStats();
  /** Null when nobody listens, so that no record is built (checked once per connection). */
  private final ConnectionListener journal;
  /** Set when a drain begins; completed once no connection is left. */
  private volatile Promise<Void> idle;
  /** A shutdown has begun: a client accepted from now on is turned away at once. */
  private volatile boolean refusing;
  /** The drain's deadline has passed: connections still open, and those still connecting, are closed. */
  private volatile boolean killed;

  Connections(List<ConnectionListener> listeners) {
    this.journal = listeners.isEmpty() ? null : listeners.size() == 1 ? listeners.get(0) : record -> {
      for (ConnectionListener listener : listeners) {
        listener.onConnection(record);
      }
    };
  }

  /** A client connection was accepted. */
  public void opened() {
    accepted.increment();
    active.incrementAndGet();
  }

  /**
   * A client connection has ended; {@code record} (null when {@link #recording()} is false) goes to the listeners.
   */
  public void closed(ConnectionRecord record) {
    if (record != null) {
      tell(record);
    }
    if (active.decrementAndGet() == 0) {
      Promise<Void> drained = idle;
      if (drained != null) {
        drained.tryComplete();
      }
    }
  }

  /**
   * HTTP mode: a request has ended; its record goes to the listeners. Call only when {@link #recording()}; the client
   * connection it came on stays counted until {@link #closed}.
   */
  public void requestEnded(ConnectionRecord record) {
    tell(record);
  }

  /**
   * The record of a connection (or, in HTTP mode, a request) that ended before any backend was sought: no attempts, no
   * backend, no bytes.
   *
   * @param client     the client's address; null when unknown
   * @param startNanos when it began ({@link System#nanoTime()})
   * @param request    HTTP mode's request line and status; null in TCP mode
   */
  public static ConnectionRecord withoutBackend(SocketAddress client, long startNanos, EndState end,
      ConnectionRecord.Request request) {
    long took = System.nanoTime() - startNanos;
    return new ConnectionRecord(client, Instant.now().minusNanos(took), List.of(), null, 0, 0, null, null,
        Duration.ofNanos(took), end, request);
  }

  private void tell(ConnectionRecord record) {
    try {
      journal.onConnection(record);
    } catch (RuntimeException e) {
      log.warn("connection listener {} failed on {}", journal, record, e);
    }
  }

  /** HTTP mode's request figures: the pool queue, and the observer of each ended request. */
  public HttpStats http() {
    return http;
  }

  /** Whether a listener wants a {@link ConnectionRecord} of each connection. */
  public boolean recording() {
    return journal != null;
  }

  /** Client connections accepted since start. */
  public long accepted() {
    return accepted.sum();
  }

  /** Client connections open now: connecting or relayed. */
  public int active() {
    return active.get();
  }

  /** Whether the drain's deadline has passed: whatever is still open or connecting is to be closed. */
  public boolean killed() {
    return killed;
  }

  /**
   * Whether a client accepted now must be turned away: a shutdown has begun, and its listening sockets may not be
   * closed yet.
   */
  public boolean refusing() {
    return refusing;
  }

  /** A shutdown has begun: no new client is relayed from now on. */
  void refuse() {
    refusing = true;
  }

  /** Begins waiting for the last connection; completes once none is open (at once when none is). */
  Future<Void> awaitIdle() {
    Promise<Void> drained = Promise.promise();
    idle = drained;
    // Read after publishing the promise: either this sees the last close, or that close sees the promise.
    if (active.get() == 0) {
      drained.tryComplete();
    }
    return drained.future();
  }

  /** The deadline has passed; returns the number of connections still open. */
  int kill() {
    killed = true;
    return active.get();
  }
}
