package dev.hprp.proxy;

import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What happened to one relayed connection (TCP mode) or request (HTTP mode), built once when it has ended and handed
 * to each {@link ConnectionListener}: who connected, which backends were tried and why they failed, the bytes each
 * way, the timings and {@link EndState how it ended}.
 *
 * <pre>{@code
 * builder.onConnection(record -> {
 *   if (record.end() == EndState.REFUSED) {
 *     log.warn("{} refused after {}", record.client(), record.attempts());
 *   }
 * });
 * }</pre>
 *
 * <p>Immutable; the list of attempts is unmodifiable.
 *
 * @param client           the client's address; never null
 * @param start            when the proxy accepted the connection (wall clock); never null
 * @param attempts         every connect attempt, in order, the successful one last; empty when the client left before
 *                         a backend was tried or none was available; never null
 * @param backend          the backend that accepted, with its weight at the time; null when none did
 * @param bytesToBackend   bytes relayed from the client to the backend
 * @param bytesFromBackend bytes relayed from the backend to the client
 * @param connectTime      from accepting the client to the backend's connection being open, failed attempts
 *                         included; null when no backend accepted
 * @param firstByteTime    from accepting the client to the first byte from the backend; null when the backend sent
 *                         nothing
 * @param totalTime        from accepting the client to the end of the relay (both sockets closed); never null
 * @param end              how it ended; never null
 * @param request          HTTP mode: the request and its answer; null in TCP mode
 */
public record ConnectionRecord(
    SocketAddress client,
    Instant start,
    List<Attempt> attempts,
    Backend backend,
    long bytesToBackend,
    long bytesFromBackend,
    Duration connectTime,
    Duration firstByteTime,
    Duration totalTime,
    EndState end,
    Request request) {

  /** Checks that the components that are never null are not, and copies the attempts. */
  public ConnectionRecord {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(start, "start");
    attempts = List.copyOf(attempts);
    Objects.requireNonNull(totalTime, "totalTime");
    Objects.requireNonNull(end, "end");
  }

  /**
   * One connect attempt to one backend.
   *
   * @param backend  the backend tried; never null
   * @param duration how long the attempt took, until the connection was open or the failure known; never null
   * @param failure  why it failed (refused, timed out, reset); null when it succeeded
   */
  public record Attempt(Backend backend, Duration duration, Throwable failure) {

    /** Checks that the backend and the duration are not null. */
    public Attempt {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(duration, "duration");
    }

    /** Whether the backend accepted. */
    public boolean succeeded() {
      return failure == null;
    }
  }

  /**
   * HTTP mode: the request a record is about, and the status it was answered with.
   *
   * @param method the request's method, such as {@code GET}; never null
   * @param uri    the request's target as the client sent it, such as {@code /path?q=1}; never null
   * @param status the status sent to the client (the backend's, or the proxy's own 502, 503 or 504); 0 when none was
   *               sent
   */
  public record Request(String method, String uri, int status) {

    /** Checks that the method and the URI are not null. */
    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(uri, "uri");
    }
  }
}
