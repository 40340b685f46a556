package dev.hprp.proxy;

import java.util.Objects;

/**
 * Something that happened to one backend of a running proxy, as told to a {@link BackendListener}: it was added,
 * removed, or its health or admin state changed. Every implementation is an immutable record; a listener tells
 * them apart with {@code instanceof}.
 *
 * <pre>{@code
 * builder.onBackendEvent(event -> {
 *   if (event instanceof BackendEvent.HealthChanged change && change.to() != BackendHealth.UP) {
 *     alert(change.backend().id() + " is " + change.to() + ": " + change.reason());
 *   }
 * });
 * }</pre>
 */
public sealed interface BackendEvent {

  /** The backend the event is about, with its weight at the time; never null. */
  Backend backend();

  /**
   * A backend joined: at start for each configured backend, and for each {@link ReverseProxy#addBackend} once its
   * first health probe (if any) has answered.
   *
   * @param backend the backend; never null
   * @param health  its health on joining; never null
   */
  record Added(Backend backend, BackendHealth health) implements BackendEvent {
    /** Checks that no component is null. */
    public Added {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(health, "health");
    }
  }

  /**
   * A backend left: its last relayed connection has ended (or was closed at the drain timeout) and its id is gone
   * from {@link ReverseProxy#backends()}.
   *
   * @param backend the backend; never null
   */
  record Removed(Backend backend) implements BackendEvent {
    /** Checks that no component is null. */
    public Removed {
      Objects.requireNonNull(backend, "backend");
    }
  }

  /**
   * Health checks changed their verdict on a backend.
   *
   * @param backend the backend; never null
   * @param from    the previous health; never null
   * @param to      the new health; never null, never equal to {@code from}
   * @param reason  why, as logged ({@code "3 consecutive failed health checks: connection refused"}); never null
   */
  record HealthChanged(Backend backend, BackendHealth from, BackendHealth to, String reason) implements BackendEvent {
    /** Checks that no component is null. */
    public HealthChanged {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * An operator drained or enabled a backend, or {@link ReverseProxy#removeBackend} started draining it.
   *
   * @param backend the backend; never null
   * @param from    the previous state; never null
   * @param to      the new state; never null, never equal to {@code from}
   */
  record AdminStateChanged(Backend backend, BackendAdminState from, BackendAdminState to) implements BackendEvent {
    /** Checks that no component is null. */
    public AdminStateChanged {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }
}
