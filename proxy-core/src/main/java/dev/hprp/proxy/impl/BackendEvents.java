package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendListener;
import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands backend events to the listeners, one at a time and in the order emitted, on one event loop of the proxy.
 * Emitting only queues the event, so the registry and the monitor can emit under their locks without ever running a
 * listener there.
 */
final class BackendEvents {

  private static final Logger log = LoggerFactory.getLogger(BackendEvents.class);

  private final Context context;
  private final List<BackendListener> listeners;

  BackendEvents(Context context, List<BackendListener> listeners) {
    this.context = context;
    this.listeners = new CopyOnWriteArrayList<>(listeners);
  }

  /** Adds a listener told of the events emitted from now on (the metrics binder follows backends so). */
  void add(BackendListener listener) {
    listeners.add(listener);
  }

  /** Removes a listener added by {@link #add}. */
  void remove(BackendListener listener) {
    listeners.remove(listener);
  }

  /** Queues {@code event} for every listener; any thread. */
  void emit(BackendEvent event) {
    if (!listeners.isEmpty()) {
      context.runOnContext(v -> deliver(event));
    }
  }

  private void deliver(BackendEvent event) {
    for (BackendListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("backend listener {} failed on {}", listener, event, e);
      }
    }
  }
}
