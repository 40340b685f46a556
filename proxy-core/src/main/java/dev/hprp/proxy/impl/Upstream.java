package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.fault.Fault;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's connection to a backend, from the first connect attempt to the release: which backends were tried,
 * which one accepted, and whether that connection proved good. {@link #release} takes the connection off the
 * backend's active count exactly once, however often it is called.
 *
 * <p>Confined to one event loop (the client's), except {@link #abort}, which may be called from any thread.
 */
public abstract class Upstream {

  private static final Logger log = LoggerFactory.getLogger(Upstream.class);

  /** What passive health is told of a backend that accepted and then hung up without a byte. */
  private static final Exception EARLY_CLOSE =
      new ConnectException("closed the connection before sending a byte") {
        @Override
        public synchronized Throwable fillInStackTrace() {
          return this; // shared, and never thrown: a stack trace would only cost
        }
      };

  /** What the record says of a connect that succeeded as the backend began leaving (the client went elsewhere). */
  private static final Exception LEAVING = new IllegalStateException("backend began leaving while connecting") {
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // shared, and never thrown
    }
  };

  final UpstreamConnector connector;
  /** Backends that failed for this client, in order; null until the first failure. */
  private BackendStateImpl[] tried;
  private int triedCount;
  int attempts;
  BackendStateImpl backend;
  long connectedNanos;
  /** The backend has shown the connection works (it sent a byte), or the early-close check is off. */
  boolean confirmed;
  private boolean released;
  /** When the current connect attempt began. */
  long dialNanos;
  /** Bytes of this connection each way. */
  private long sent;
  private long received;
  /** Only when recording: the backend sent its first byte, and when. */
  private boolean firstByte;
  private long firstByteNanos;
  /** Only when recording: the attempts that failed, in order; null until the first. */
  List<ConnectionRecord.Attempt> failures;

  private Upstream(UpstreamConnector connector) {
    this.connector = connector;
  }

  /** The backend that accepted; null while connecting. */
  public Backend backend() {
    return backend == null ? null : backend.backend();
  }

  /** Connect attempts made, the successful one included. */
  public int attempts() {
    return attempts;
  }

  /** Counts {@code bytes} relayed from the client to the backend. */
  public void sentToBackend(long bytes) {
    sent += bytes;
    backend.bytesToBackend.add(bytes);
  }

  /**
   * Counts {@code bytes} relayed from the backend to the client. The first such call also proves the connection
   * good to passive health, so call it before {@link #release}.
   */
  public void receivedFromBackend(long bytes) {
    received += bytes;
    backend.bytesFromBackend.add(bytes);
    if (!firstByte) {
      firstByte = true;
      if (connector.connections().recording()) {
        firstByteNanos = System.nanoTime();
      }
      if (!confirmed) {
        confirmed = true;
        connector.monitor().connectSucceeded(backend);
      }
    }
  }

  /**
   * TCP mode: the record of this client's connection, once it has ended; call only when
   * {@link Connections#recording() recording}.
   *
   * @param client     the client's address
   * @param startNanos when the client was accepted ({@link System#nanoTime()})
   * @param end        how it ended
   */
  public ConnectionRecord record(SocketAddress client, long startNanos, EndState end) {
    long now = System.nanoTime();
    List<ConnectionRecord.Attempt> all = new ArrayList<>(attempts);
    if (failures != null) {
      all.addAll(failures);
    }
    Backend accepted = null;
    Duration connectTime = null;
    if (backend != null) {
      accepted = backend.backend();
      all.add(new ConnectionRecord.Attempt(accepted, Duration.ofNanos(connectedNanos - dialNanos), null));
      connectTime = Duration.ofNanos(connectedNanos - startNanos);
    }
    return new ConnectionRecord(client, Instant.now().minusNanos(now - startNanos), all, accepted, sent, received,
        connectTime, !firstByte ? null : Duration.ofNanos(firstByteNanos - startNanos),
        Duration.ofNanos(now - startNanos), end, null);
  }

  /**
   * HTTP mode's record of a request, which may take several upstreams (a retry after a connection failed before
   * answering): adds this one's attempts to {@code into}, in order, the failed connects first, then the connect that
   * succeeded, if any, with {@code laterFailure} as its failure when its connection failed before answering (the
   * request then went on to another). Call only when {@link Connections#recording() recording}.
   *
   * @param laterFailure why the connected connection failed before answering; null when it did not
   */
  public void addAttempts(List<ConnectionRecord.Attempt> into, Throwable laterFailure) {
    if (failures != null) {
      into.addAll(failures);
    }
    if (backend != null) {
      into.add(new ConnectionRecord.Attempt(backend.backend(), Duration.ofNanos(connectedNanos - dialNanos),
          laterFailure));
    }
  }

  /** Bytes counted by {@link #sentToBackend} so far. */
  public long bytesSent() {
    return sent;
  }

  /** Bytes counted by {@link #receivedFromBackend} so far. */
  public long bytesReceived() {
    return received;
  }

  /** When the backend's connection was open ({@link System#nanoTime()}); 0 while connecting. */
  public long connectedNanos() {
    return connectedNanos;
  }

  /** Notes a failed attempt for the record, when recording. */
  void failedAttempt(BackendStateImpl state, Throwable cause) {
    if (connector.connections().recording()) {
      if (failures == null) {
        failures = new ArrayList<>(2);
      }
      failures.add(new ConnectionRecord.Attempt(state.backend(), Duration.ofNanos(System.nanoTime() - dialNanos),
          cause));
    }
  }

  /**
   * The relay has ended: the backend's active count drops. When the backend hung up first without sending a byte,
   * soon after accepting, passive health counts it as a failed connect (a backend that accepts and resets at once
   * is as broken as one that refuses); otherwise the connect counts as a success.
   *
   * @param backendEndedFirst the backend closed, reset or half-closed before the client ended anything
   */
  public void release(boolean backendEndedFirst) {
    if (released) {
      return;
    }
    released = true;
    if (!confirmed) {
      confirmed = true;
      if (backendEndedFirst && System.nanoTime() - connectedNanos <= connector.earlyCloseWindowNanos()) {
        backend.connectFailed();
        connector.monitor().connectFailed(backend, EARLY_CLOSE);
      } else {
        connector.monitor().connectSucceeded(backend);
      }
    }
    if (backend.connectionClosed(this) == 0 && backend.removed()) {
      connector.registry().drained(backend);
    }
    connector.releaseSlot(backend);
  }

  /**
   * HTTP mode: the request ended in a failure of the backend's (the proxy answered 502 or 504, or the backend
   * answered 5xx where those count): passive health counts it as a failed connect, whatever came before, and the
   * backend's active count drops. Once only, as {@link #release}; either ends the upstream.
   *
   * @param cause what went wrong, for the ejection's log line
   */
  public void releaseFailed(Throwable cause) {
    if (released) {
      return;
    }
    confirmed = true;
    backend.connectFailed();
    connector.monitor().connectFailed(backend, cause);
    release(false);
  }

  /** Closes the relayed connection from outside (a removal's drain timeout); any thread. */
  abstract void abort();

  /**
   * The proxy's faults changed: the relayed connection applies the current ones on its event loop; any thread.
   *
   * @return completes once applied; at once when the connection is not relayed yet (it reads the faults then)
   */
  abstract Future<Void> faultsChanged();

  /** Whether any backend failed for this client yet. */
  boolean triedAny() {
    return triedCount > 0;
  }

  boolean wasTried(BackendStateImpl state) {
    for (int i = 0; i < triedCount; i++) {
      if (tried[i] == state) {
        return true;
      }
    }
    return false;
  }

  void markTried(BackendStateImpl state) {
    if (tried == null) {
      tried = new BackendStateImpl[Math.min(connector.maxAttempts(), 4)];
    } else if (triedCount == tried.length) {
      tried = Arrays.copyOf(tried, tried.length * 2);
    }
    tried[triedCount++] = state;
  }

  /**
   * The connecting phase, then the handle given to the protocol: one object per client. Its connecting runs on the
   * client's event loop (the context it was created on); the {@link BackendQueue} hands it a slot from any thread,
   * and it carries on there.
   */
  static final class Connecting<C> extends Upstream implements Handler<AsyncResult<C>> {

    private final UpstreamConnector.Attempt<C> attempt;
    /** The client's event loop; null when created off Vert.x (tests driving the connector from plain threads). */
    private final Context context;
    private BackendStateImpl candidate;
    private volatile boolean connected;
    /**
     * Connect faults met so far: their draw for this connection, or {@link ActiveFault#PASSES}; null until one is
     * met. Whether a fault acts on a connection is decided once, for all its attempts.
     */
    private Map<ActiveFault, Long> connectFaults;
    /** The queue timeout's timer while it waits in the {@link BackendQueue}. */
    long queueTimer = -1;

    Connecting(UpstreamConnector connector, UpstreamConnector.Attempt<C> attempt) {
      super(connector);
      this.attempt = attempt;
      this.context = Vertx.currentContext();
    }

    UpstreamConnector.Attempt<C> attempt() {
      return attempt;
    }

    void next() {
      if (!attempt.wanted()) {
        attempt.abandoned();
        return;
      }
      BackendStateImpl pick = attempts < connector.maxAttempts() ? connector.registry().select(attempt, this) : null;
      if (pick == null) {
        attempt.failed(attempts);
        return;
      }
      BackendQueue queue = connector.queue();
      // Clients already waiting go first: with a queue, a new client joins its back.
      BackendStateImpl slot = queue.size() == 0 ? connector.registry().reserve(pick, this) : null;
      if (slot != null) {
        dial(slot);
      } else if (!queue.enqueue(this)) {
        if (log.isDebugEnabled()) {
          log.debug("{}: every backend is at its connection limit and the queue is full", attempt.clientAddress());
        }
        attempt.queueFull(attempts);
      }
    }

    /** Connects to {@code state}, one of whose slots this client holds. */
    private void dial(BackendStateImpl state) {
      candidate = state;
      attempts++;
      ActiveFault[] faults = connector.faults().active();
      if (faults.length != 0 && applyConnectFaults(faults)) {
        return;
      }
      dialNanos = System.nanoTime();
      attempt.dial(state.backend()).onComplete(this);
    }

    /** Called by the queue, on any thread: a slot of {@code state} is this waiter's. */
    void resume(BackendStateImpl state) {
      onContext(() -> {
        if (attempt.wanted()) {
          dial(state);
        } else {
          connector.releaseSlot(state);
          attempt.abandoned();
        }
      });
    }

    /** Called by the queue, on any thread: no backend is left for this waiter. */
    void resumeUnserved() {
      onContext(() -> {
        if (attempt.wanted()) {
          attempt.failed(attempts);
        } else {
          attempt.abandoned();
        }
      });
    }

    /** Called on the timer's context (the client's): the waiter left the queue unserved. */
    void queueTimedOut() {
      if (log.isDebugEnabled()) {
        log.debug("{}: no backend slot within the queue timeout; closing", attempt.clientAddress());
      }
      if (attempt.wanted()) {
        attempt.queueTimedOut(attempts);
      } else {
        attempt.abandoned();
      }
    }

    private void onContext(Runnable action) {
      if (context == null) {
        action.run();
      } else {
        context.runOnContext(v -> action.run());
      }
    }

    /**
     * Applies the connect faults that act on this connection's connect to {@link #candidate}.
     *
     * @return true when one took the attempt over: refused it, or delayed its dial
     */
    private boolean applyConnectFaults(ActiveFault[] faults) {
      Backend target = candidate.backend();
      ActiveFault refusing = null;
      long delayNanos = 0;
      for (ActiveFault fault : faults) {
        if (!fault.effect().onConnect() || fault.otherBackend(target)) {
          continue;
        }
        if (connectFaults == null) {
          connectFaults = new IdentityHashMap<>(4);
        }
        Long draw = connectFaults.get(fault);
        if (draw == null) {
          // First meeting: decide for the whole connection, and count it once.
          long decided = fault.meet(attempt.clientAddress(), target);
          if (decided != ActiveFault.PASSES && fault.effect() instanceof Fault.RefuseFirst && !fault.takeRefusal()) {
            decided = ActiveFault.PASSES;
          }
          connectFaults.put(fault, decided);
          if (decided != ActiveFault.PASSES) {
            fault.acted();
          }
          draw = decided;
        }
        if (draw == ActiveFault.PASSES) {
          continue;
        }
        if (fault.effect() instanceof Fault.RefuseFirst) {
          refusing = fault;
        } else if (fault.effect() instanceof Fault.ConnectDelay delay) {
          delayNanos += delay.delay().toNanos();
        }
      }
      if (refusing != null) {
        // A simulated refusal: the same path as a real one, but no backend failed, so health hears nothing; the
        // journal does, naming the fault.
        if (log.isDebugEnabled()) {
          log.debug("{}: connect to {} refused by fault {}", attempt.clientAddress(), candidate, refusing);
        }
        dialNanos = System.nanoTime();
        connector.releaseSlot(candidate);
        failedAttempt(candidate, new ConnectException("connection refused by fault " + refusing));
        markTried(candidate);
        next();
        return true;
      }
      if (delayNanos > 0) {
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999));
        connector.faults().vertx().setTimer(millis, timer -> {
          if (attempt.wanted()) {
            dialNanos = System.nanoTime();
            attempt.dial(candidate.backend()).onComplete(this);
          } else {
            connector.releaseSlot(candidate);
            attempt.abandoned();
          }
        });
        return true;
      }
      return false;
    }

    @Override
    public void handle(AsyncResult<C> ar) {
      BackendStateImpl state = candidate;
      if (ar.failed()) {
        connector.releaseSlot(state);
        if (!attempt.backendFault(ar.cause())) {
          // Not the backend's doing (an HTTP pool queue full or timed out): no health verdict, no other backend.
          attempt.failed(attempts);
          return;
        }
        if (LocalFailures.isLocal(ar.cause())) {
          // Not the backend's doing: no health verdict, and another backend would fail the same way.
          LocalFailures.warn(log, attempt.clientAddress() + ": connect to " + state, ar.cause());
          failedAttempt(state, ar.cause());
          attempt.failed(attempts);
          return;
        }
        state.connectFailed();
        connector.monitor().connectFailed(state, ar.cause());
        if (log.isDebugEnabled()) {
          log.debug("{}: connect to {} failed: {}", attempt.clientAddress(), state, ar.cause().getMessage());
        }
        failedAttempt(state, ar.cause());
        markTried(state);
        next();
        return;
      }
      if (!state.connectionOpened(this)) {
        // Its removal began while connecting: no new connection may go to it, so the client goes elsewhere. The
        // removal may have seen this connection's count, just taken back: then it waits for a release that will not
        // come, so this finishes it.
        if (state.activeConnections() == 0) {
          connector.registry().drained(state);
        }
        connector.releaseSlot(state);
        attempt.discard(ar.result());
        failedAttempt(state, LEAVING);
        markTried(state);
        next();
        return;
      }
      backend = state;
      connected = true;
      connectedNanos = System.nanoTime();
      LongConsumer timer = state.connectTimer();
      if (timer != null) {
        timer.accept(connectedNanos - dialNanos);
      }
      if (connector.earlyCloseWindowNanos() == 0) {
        confirmed = true;
        connector.monitor().connectSucceeded(state);
      }
      attempt.connected(this, ar.result());
    }

    @Override
    void abort() {
      if (connected) {
        attempt.abort();
      }
    }

    @Override
    Future<Void> faultsChanged() {
      return connected ? attempt.faultsChanged() : Future.succeededFuture();
    }
  }
}
