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
 * <p>In HTTP mode there is one record per request, delivered once its response has ended (or it failed), while its
 * client connection may go on with the next request; the components then read:
 * <ul>
 *   <li>{@code start}: when the request's head had arrived; the times count from then;</li>
 *   <li>{@code attempts}: every backend connection tried for the request, over its retries: failed connects, and a
 *       pooled connection that failed before answering (its attempt then carries that failure, and the request went
 *       on to another);</li>
 *   <li>{@code backend}: the backend whose connection carried the request last; null when none was connected (the
 *       proxy answered 503, or an {@link dev.hprp.proxy.fault.Fault#httpStatus} fault answered);</li>
 *   <li>{@code bytesToBackend}, {@code bytesFromBackend}: the request's and the response's body bytes, heads
 *       excluded (a WebSocket's: the bytes relayed each way after the upgrade);</li>
 *   <li>{@code connectTime}: until the connection that carried it was handed over by the pool (connected, or
 *       reused);</li>
 *   <li>{@code firstByteTime}: until the backend's response head; {@code totalTime}: until the response's end;</li>
 *   <li>{@code request}: the method, the URI and the status the client got; never null.</li>
 * </ul>
 *
 * <p>Immutable; the list of attempts is unmodifiable.
 *
 * @param client           the client's address; never null
 * @param start            when the proxy accepted the connection (wall clock; HTTP mode: when the request's head
 *                         arrived); never null
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
 * @param request          HTTP mode: the request and its answer; never null in HTTP mode, null in TCP mode
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
   * @param method the request's method, such as {@code GET}; {@code -} for a head the proxy refused
   *               ({@link EndState#BAD_REQUEST}); never null
   * @param uri    the request's target as the client sent it, such as {@code /path?q=1}; {@code -} for a head the
   *               proxy refused; never null
   * @param status the status sent to the client (the backend's, the proxy's own 502, 503 or 504, or an HTTP fault's);
   *               0 when none was sent (the client left first, or the connection was cut before a response head)
   */
  public record Request(String method, String uri, int status) {

    /** Checks that the method and the URI are not null. */
    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(uri, "uri");
    }
  }
}
