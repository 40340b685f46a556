package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendListener;
import io.vertx.core.Context;
import java.util.List;
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
    this.listeners = listeners;
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
