package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.util.Arrays;
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
    backend.bytesToBackend.add(bytes);
  }

  /**
   * Counts {@code bytes} relayed from the backend to the client. The first such call also proves the connection
   * good to passive health, so call it before {@link #release}.
   */
  public void receivedFromBackend(long bytes) {
    backend.bytesFromBackend.add(bytes);
    if (!confirmed) {
      confirmed = true;
      connector.monitor().connectSucceeded(backend);
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

  /** Closes the relayed connection from outside (a removal's drain timeout); any thread. */
  abstract void abort();

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
          log.debug("{}: every backend is at its connection limit and the queue is full; closing",
              attempt.clientAddress());
        }
        attempt.failed(attempts);
      }
    }

    /** Connects to {@code state}, one of whose slots this client holds. */
    private void dial(BackendStateImpl state) {
      candidate = state;
      attempts++;
      attempt.dial(state.backend()).onComplete(this);
    }

    /** Called by the queue, on any thread: a slot of {@code state} is this waiter's. */
    void resume(BackendStateImpl state) {
      onContext(() -> {
        if (attempt.wanted()) {
          dial(state);
        } else {
          connector.releaseSlot(state);
        }
      });
    }

    /** Called by the queue, on any thread: no backend is left for this waiter. */
    void resumeUnserved() {
      onContext(() -> {
        if (attempt.wanted()) {
          attempt.failed(attempts);
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
      }
    }

    private void onContext(Runnable action) {
      if (context == null) {
        action.run();
      } else {
        context.runOnContext(v -> action.run());
      }
    }

    @Override
    public void handle(AsyncResult<C> ar) {
      BackendStateImpl state = candidate;
      if (ar.failed()) {
        connector.releaseSlot(state);
        if (LocalFailures.isLocal(ar.cause())) {
          // Not the backend's doing: no health verdict, and another backend would fail the same way.
          LocalFailures.warn(log, attempt.clientAddress() + ": connect to " + state, ar.cause());
          attempt.failed(attempts);
          return;
        }
        state.connectFailed();
        connector.monitor().connectFailed(state, ar.cause());
        if (log.isDebugEnabled()) {
          log.debug("{}: connect to {} failed: {}", attempt.clientAddress(), state, ar.cause().getMessage());
        }
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
        markTried(state);
        next();
        return;
      }
      backend = state;
      connected = true;
      connectedNanos = System.nanoTime();
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
  }
}
