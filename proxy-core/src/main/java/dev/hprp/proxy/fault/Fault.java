package dev.hprp.proxy.fault;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.Ranges;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A fault to inject into a proxy's traffic, for testing how a client copes when the service behind the proxy
 * misbehaves: what it does (its {@link Effect}, made by the static factories below) and where it acts (which
 * direction, which backend, which connections, how often). Add one with
 * {@link dev.hprp.proxy.ReverseProxy#addFault(Fault)}; remove it with {@link FaultHandle#remove()}. Faults come and go
 * while connections are open: a fault added acts on open connections too, from the moment it is added, and a fault
 * removed stops acting on them.
 *
 * <pre>{@code
 * FaultHandle slow = proxy.addFault(Fault.latency(Duration.ofMillis(200), Duration.ZERO)
 *     .withDirection(Fault.Direction.TO_CLIENT)       // answers only; requests pass as they are
 *     .withBackend("10.0.0.2:5432")                   // one backend; every backend unless given
 *     .withProbability(0.5).withSeed(42))             // half the connections, the same half on every run
 *     .await();
 * // ... exercise the client ...
 * slow.remove().await();
 * }</pre>
 *
 * <p><b>Where it acts.</b> A fault acts on every new and open client connection of the proxy, on both directions,
 * unless narrowed: to one direction ({@link #withDirection}), to the connections of one backend
 * ({@link #withBackend}), to the connections a predicate accepts ({@link #withCondition}), and to a random share
 * of those ({@link #withProbability}). Whether a fault acts on a connection is decided once per connection, when
 * the fault first meets it (its connect to a backend, or the fault's addition for one already open), and in the
 * order connections meet the fault; with a {@linkplain #withSeed seed} the same sequence of connections gets the
 * same decisions, and the same latency jitter, on every run. Health probes never pass through faults: only client
 * connections are affected, so a fault never makes a backend look unhealthy to active checks. Bytes a fault delays
 * or drops are still counted in {@link dev.hprp.proxy.BackendStatus} as relayed.
 *
 * <p><b>Data faults</b> ({@link #latency}, {@link #bandwidth}, {@link #slicer}, {@link #stall}, {@link #blackHole},
 * {@link #resetAfter}, {@link #closeAfter}) act on the bytes of a relayed connection, each direction separately (a
 * fault on both directions is two independent faults, one per direction, with their own counts and schedules). The
 * end of a direction (a FIN) travels in order behind the bytes before it, so a delayed stream is ended after its
 * last byte, never before. A fault that holds bytes back keeps at most {@value #HOLD_LIMIT_BYTES} bytes per direction
 * and then stops reading from the sender until it has passed half of them on, so memory stays bounded and the
 * sender sees backpressure as through a slow network. Removing such a fault passes on what it holds at once, in
 * order. <b>Connect faults</b> ({@link #refuseFirst}, {@link #connectDelay}) act on connects to backends, so only on
 * connections opened after they were added; they have no direction. <b>HTTP faults</b> ({@link #httpStatus},
 * {@link #abortAfterHeaders}) act on the requests of a proxy in HTTP mode, each request met once, when its backend is
 * picked, so only on requests that arrive after they were added; they have no direction, and a proxy in TCP mode
 * refuses them when they are added. There a "connection" above is a request. A proxy in HTTP mode refuses the data
 * faults, which act on TCP mode's relayed bytes.
 *
 * <p>Immutable and thread-safe; each {@code with...} method returns a new fault. Arguments are never null.
 */
public final class Fault {

  /** Most bytes {@link #bandwidth} passes on at once. */
  public static final int BURST_BYTES = 64 * 1024;
  /** Most bytes a data fault holds back per direction before it stops reading from the sender. */
  public static final int HOLD_LIMIT_BYTES = 1024 * 1024;
  /** Longest duration any fault takes. */
  public static final Duration MAX_DURATION = Duration.ofDays(1);

  /** The directions of a relayed connection. */
  public enum Direction {
    /** Both directions, each on its own. */
    BOTH,
    /** The bytes the client sends, on their way to the backend. */
    TO_BACKEND,
    /** The bytes the backend sends, on their way to the client. */
    TO_CLIENT;

    /**
     * Whether a fault narrowed to this direction acts on {@code direction}, {@link #TO_BACKEND} or
     * {@link #TO_CLIENT}.
     */
    public boolean includes(Direction direction) {
      return this == BOTH || this == direction;
    }
  }

  /**
   * What a {@linkplain #withCondition condition} sees of a connection.
   *
   * @param clientAddress the client's address, as the proxy sees it; never null
   * @param backend       the backend being connected or connected to; never null
   */
  public record Connection(SocketAddress clientAddress, Backend backend) {
    /** Checks the components are there. */
    public Connection {
      Objects.requireNonNull(clientAddress, "clientAddress");
      Objects.requireNonNull(backend, "backend");
    }
  }

  /**
   * What a fault does; one record per built-in, made by the static factory of the same name, whose description
   * states the exact behaviour. Sealed: the proxy runs these and no others.
   */
  public sealed interface Effect permits Latency, Bandwidth, Slicer, ResetAfter, CloseAfter, BlackHole, RefuseFirst,
      Stall, ConnectDelay, HttpStatus, AbortAfterHeaders {

    /** Whether it acts on connects rather than on the bytes of relayed connections. */
    default boolean onConnect() {
      return false;
    }

    /**
     * Whether it acts on HTTP requests, so only in HTTP mode ({@link Fault#httpStatus},
     * {@link Fault#abortAfterHeaders}): a proxy in TCP mode refuses it.
     */
    default boolean onRequest() {
      return false;
    }
  }

  /**
   * See {@link Fault#latency}.
   *
   * @param base   0-{@link Fault#MAX_DURATION}
   * @param jitter 0-{@link Fault#MAX_DURATION}
   */
  public record Latency(Duration base, Duration jitter) implements Effect {
    /** Checks the ranges. */
    public Latency {
      checkDuration("latency base", base);
      checkDuration("latency jitter", jitter);
    }

    @Override
    public String toString() {
      return "latency(" + Durations.format(base) + ", jitter " + Durations.format(jitter) + ")";
    }
  }

  /**
   * See {@link Fault#bandwidth}.
   *
   * @param bytesPerSecond 1 or more
   */
  public record Bandwidth(long bytesPerSecond) implements Effect {
    /** Checks the range. */
    public Bandwidth {
      atLeast("bandwidth bytesPerSecond", bytesPerSecond, 1);
    }

    @Override
    public String toString() {
      return "bandwidth(" + bytesPerSecond + " B/s)";
    }
  }

  /**
   * See {@link Fault#slicer}.
   *
   * @param maxBytes 1 or more
   * @param delay    0-{@link Fault#MAX_DURATION}
   */
  public record Slicer(int maxBytes, Duration delay) implements Effect {
    /** Checks the ranges. */
    public Slicer {
      atLeast("slicer maxBytes", maxBytes, 1);
      checkDuration("slicer delay", delay);
    }

    @Override
    public String toString() {
      return "slicer(" + maxBytes + " B, " + Durations.format(delay) + ")";
    }
  }

  /**
   * See {@link Fault#resetAfter}.
   *
   * @param bytes 0 or more
   */
  public record ResetAfter(long bytes) implements Effect {
    /** Checks the range. */
    public ResetAfter {
      atLeast("resetAfter bytes", bytes, 0);
    }

    @Override
    public String toString() {
      return "resetAfter(" + bytes + " B)";
    }
  }

  /**
   * See {@link Fault#closeAfter}.
   *
   * @param bytes 0 or more
   */
  public record CloseAfter(long bytes) implements Effect {
    /** Checks the range. */
    public CloseAfter {
      atLeast("closeAfter bytes", bytes, 0);
    }

    @Override
    public String toString() {
      return "closeAfter(" + bytes + " B)";
    }
  }

  /** See {@link Fault#blackHole}. */
  public record BlackHole() implements Effect {
    @Override
    public String toString() {
      return "blackHole()";
    }
  }

  /**
   * See {@link Fault#refuseFirst}.
   *
   * @param connections 1 or more
   */
  public record RefuseFirst(int connections) implements Effect {
    /** Checks the range. */
    public RefuseFirst {
      atLeast("refuseFirst connections", connections, 1);
    }

    @Override
    public boolean onConnect() {
      return true;
    }

    @Override
    public String toString() {
      return "refuseFirst(" + connections + ")";
    }
  }

  /**
   * See {@link Fault#stall}.
   *
   * @param duration 0-{@link Fault#MAX_DURATION}
   */
  public record Stall(Duration duration) implements Effect {
    /** Checks the range. */
    public Stall {
      checkDuration("stall duration", duration);
    }

    @Override
    public String toString() {
      return "stall(" + Durations.format(duration) + ")";
    }
  }

  /**
   * See {@link Fault#connectDelay}.
   *
   * @param delay 0-{@link Fault#MAX_DURATION}
   */
  public record ConnectDelay(Duration delay) implements Effect {
    /** Checks the range. */
    public ConnectDelay {
      checkDuration("connectDelay delay", delay);
    }

    @Override
    public boolean onConnect() {
      return true;
    }

    @Override
    public String toString() {
      return "connectDelay(" + Durations.format(delay) + ")";
    }
  }

  /**
   * See {@link Fault#httpStatus}.
   *
   * @param status the status the proxy answers with, 200-599
   */
  public record HttpStatus(int status) implements Effect {
    /** Checks the range. */
    public HttpStatus {
      Ranges.check("httpStatus status", status, 200, 599);
    }

    @Override
    public boolean onRequest() {
      return true;
    }

    @Override
    public String toString() {
      return "httpStatus(" + status + ")";
    }
  }

  /** See {@link Fault#abortAfterHeaders}. */
  public record AbortAfterHeaders() implements Effect {
    @Override
    public boolean onRequest() {
      return true;
    }

    @Override
    public String toString() {
      return "abortAfterHeaders()";
    }
  }

  private final Effect effect;
  private final Direction direction;
  private final String backendId;
  private final Predicate<Connection> condition;
  private final double probability;
  private final long seed;

  private Fault(Effect effect, Direction direction, String backendId, Predicate<Connection> condition,
      double probability, long seed) {
    this.effect = effect;
    this.direction = direction;
    this.backendId = backendId;
    this.condition = condition;
    this.probability = probability;
    this.seed = seed;
  }

  /** A fault with {@code effect} on every connection, both directions; a random seed. */
  public static Fault of(Effect effect) {
    return new Fault(Objects.requireNonNull(effect, "effect"), Direction.BOTH, null, null, 1.0,
        ThreadLocalRandom.current().nextLong());
  }

  /**
   * Delays every chunk of bytes by {@code base} plus a random share of {@code jitter} (uniform in
   * {@code [0, jitter]}, drawn per chunk): a chunk read at time {@code t} is passed on at
   * {@code t + base + jitter·u}, or when the chunk before it was, whichever is later, so the order is kept and no
   * byte arrives sooner than {@code base} after the proxy read it. A chunk is what one read from the socket gave
   * (up to 64 KiB and more); the end of the direction is delayed like a chunk. Bandwidth is bounded by the hold
   * limit: at most {@value #HOLD_LIMIT_BYTES} bytes in flight per {@code base}.
   *
   * @param base   the least delay, 0-{@link Fault#MAX_DURATION}
   * @param jitter the most added at random, 0-{@link Fault#MAX_DURATION}
   */
  public static Fault latency(Duration base, Duration jitter) {
    return of(new Latency(base, jitter));
  }

  /**
   * Limits each direction to {@code bytesPerSecond}: bytes pass in bursts of at most {@value #BURST_BYTES} bytes,
   * and a burst of {@code b} bytes is followed by a pause of {@code b / bytesPerSecond} seconds before the next one.
   * Pauses are timed from when each burst was due, so a late timer catches up rather than slowing the stream, and
   * idle time earns no credit. So {@code n} bytes sent at once take at least
   * {@code (n - }{@value #BURST_BYTES}{@code ) / bytesPerSecond} seconds to pass.
   *
   * @param bytesPerSecond 1 or more
   */
  public static Fault bandwidth(long bytesPerSecond) {
    return of(new Bandwidth(bytesPerSecond));
  }

  /**
   * Splits the bytes into pieces of at most {@code maxBytes} and passes each on with a flush of its own, the next
   * piece {@code delay} after the one before it (the first piece at once, unless the previous piece was less than
   * {@code delay} ago): {@code n} bytes take at least {@code (ceil(n / maxBytes) - 1) · delay}. A reader that reads
   * slower than the pieces come may still get several at once.
   *
   * @param maxBytes largest piece, 1 or more
   * @param delay    time between pieces, 0-{@link Fault#MAX_DURATION}
   */
  public static Fault slicer(int maxBytes, Duration delay) {
    return of(new Slicer(maxBytes, delay));
  }

  /**
   * Resets the connection once {@code bytes} bytes have passed in a direction since the fault took hold of it:
   * exactly those bytes are passed on (a chunk that crosses the limit is cut there), the proxy stops reading, and
   * once the kernel has sent the bytes to their receiver (Linux; waited for at most 10 s, as for a receiver that
   * stopped reading) both the client's and the backend's sockets are closed with a TCP RST. The client and the
   * backend see "connection reset". {@code 0} resets the connections it takes hold of at once.
   *
   * @param bytes 0 or more
   */
  public static Fault resetAfter(long bytes) {
    return of(new ResetAfter(bytes));
  }

  /**
   * Closes the connection once {@code bytes} bytes have passed in a direction since the fault took hold of it:
   * exactly those bytes are passed on (a chunk that crosses the limit is cut there), then both sockets are closed
   * after what they were given is flushed, with a FIN. {@code 0} closes the connections it takes hold of at once.
   *
   * @param bytes 0 or more
   */
  public static Fault closeAfter(long bytes) {
    return of(new CloseAfter(bytes));
  }

  /**
   * Drops every byte: the connection stays open and the sender's bytes are read and discarded, none reaching the
   * receiver, for as long as the fault acts. The end of a direction and the close of a socket still pass, so a
   * client that gives up and closes still closes the backend connection; the proxy's idle timeout still closes a
   * connection that carries nothing at all.
   */
  public static Fault blackHole() {
    return of(new BlackHole());
  }

  /**
   * Refuses the first {@code connections} client connections it applies to, counted from its addition: each of
   * their connects to a backend fails as a refused connect does, without a socket being opened, so the proxy tries
   * another backend as for a real refusal, and the client, once no backend is left to try, sees its connection
   * closed, exactly as when every backend refuses. Later connections are not affected. A connection is one of the
   * first {@code connections} when its first connect the fault applies to comes among the first
   * {@code connections} such connects (after the probability draw, when one is set).
   *
   * <p>A simulated refusal is not a backend failure: it is not fed to passive health (no ejection) and not counted
   * in {@link dev.hprp.proxy.BackendStatus#failedConnects()}, so a test's faults never change which backend later
   * connections go to. {@link FaultHandle#connections()} counts the connections refused.
   *
   * @param connections how many client connections to refuse, 1 or more
   */
  public static Fault refuseFirst(int connections) {
    return of(new RefuseFirst(connections));
  }

  /**
   * Holds the connection silent for {@code duration} from when the fault takes hold of it (its connect, or the
   * fault's addition for one already open): nothing is passed on meanwhile; what arrives is held (up to the hold
   * limit) and passed on, in order, when the time is up; from then on bytes pass as usual.
   *
   * @param duration 0-{@link Fault#MAX_DURATION}
   */
  public static Fault stall(Duration duration) {
    return of(new Stall(duration));
  }

  /**
   * Delays each connect to a backend by {@code delay}, as a slow network delays the handshake: the connect starts
   * that much later (the proxy's connect timeout counts from then), and the client's first bytes wait for it.
   *
   * @param delay 0-{@link Fault#MAX_DURATION}
   */
  public static Fault connectDelay(Duration delay) {
    return of(new ConnectDelay(delay));
  }

  /**
   * HTTP mode: answers a share of the requests itself with {@code status}, instead of forwarding them. The backend is
   * picked (so {@link #withBackend} and {@link #withCondition} narrow as for any fault) but no connection to it is
   * taken from the pool and nothing reaches it; the client gets {@code status} with a one-line text body naming the
   * fault ({@code fault-3 httpStatus(503)}; no body for 204, 304 or a HEAD request), and keeps its keep-alive
   * connection. The proxy's own answer is not a backend failure: passive health hears nothing. The request's record
   * ends {@link dev.hprp.proxy.EndState#FAULT}, its metrics count {@code status} under the backend picked.
   *
   * <p>Whether the fault acts on a request is decided once per request, with probability {@code probability} drawn
   * from the {@linkplain #withSeed seed} (the same requests, in the same order, get the same answers on every run);
   * {@code httpStatus(s, p)} is {@code Fault.of(new HttpStatus(s)).withProbability(p)}. A proxy in TCP mode refuses
   * it: {@link dev.hprp.proxy.ReverseProxy#addFault} fails with an {@link IllegalArgumentException}.
   *
   * @param status      the status to answer with, 200-599 (such as 500, 503 or 429)
   * @param probability the share of requests answered so, 0.0-1.0
   */
  public static Fault httpStatus(int status, double probability) {
    return of(new HttpStatus(status)).withProbability(probability);
  }

  /**
   * HTTP mode: forwards the request and the backend's response head to the client, then closes the client's
   * connection (a FIN, after the head is flushed) before any byte of the body: the client sees a response cut short,
   * as when a server or a load balancer dies mid-response. The backend connection is closed too (its body is not
   * read), without counting against the backend's health. A client that reads the body to the close (an HTTP/1.0
   * client of a response with no {@code Content-Length}) cannot tell the cut from an empty body; an HTTP/1.1 client
   * gets a length or chunked framing and sees the cut. The request's record ends
   * {@link dev.hprp.proxy.EndState#FAULT} with the status of the head sent. Decided once per request; narrow it with
   * {@link #withProbability}, {@link #withBackend} and {@link #withCondition}. A proxy in TCP mode refuses it:
   * {@link dev.hprp.proxy.ReverseProxy#addFault} fails with an {@link IllegalArgumentException}.
   */
  public static Fault abortAfterHeaders() {
    return of(new AbortAfterHeaders());
  }

  /**
   * This fault acting on {@code direction} only ({@link Direction#BOTH}, the default, for both).
   *
   * @throws IllegalArgumentException narrowing a connect fault or an HTTP fault, which have no direction
   */
  public Fault withDirection(Direction direction) {
    Objects.requireNonNull(direction, "direction");
    if (direction != Direction.BOTH && (effect.onConnect() || effect.onRequest())) {
      throw new IllegalArgumentException("direction: " + direction + " (expected: BOTH for " + effect
          + ", which acts on " + (effect.onConnect() ? "connects)" : "requests)"));
    }
    return new Fault(effect, direction, backendId, condition, probability, seed);
  }

  /**
   * This fault acting on the connections of one backend only.
   *
   * @param backendId the backend's {@link Backend#id() id}, {@code host:port}, as given to the proxy (IPv6 in
   *                  brackets); need not be present yet
   */
  public Fault withBackend(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    return new Fault(effect, direction, backendId, condition, probability, seed);
  }

  /**
   * This fault acting only on the connections {@code condition} accepts, tested once per connection when the fault
   * first meets it, on an event loop: keep it quick and thread-safe. One that throws counts as not accepting (the
   * exception is logged). Replaces an earlier condition.
   */
  public Fault withCondition(Predicate<Connection> condition) {
    Objects.requireNonNull(condition, "condition");
    return new Fault(effect, direction, backendId, condition, probability, seed);
  }

  /**
   * This fault acting on each connection (that the other narrowing leaves) with probability {@code probability},
   * drawn once per connection from the {@linkplain #withSeed seed}.
   *
   * @param probability 0.0-1.0; 1.0, the default, for every connection
   */
  public Fault withProbability(double probability) {
    Ranges.check("probability", probability, 0.0, 1.0);
    return new Fault(effect, direction, backendId, condition, probability, seed);
  }

  /**
   * This fault drawing its random decisions (the probability per connection, the latency jitter) from
   * {@code seed}: the same sequence of connections then gets the same decisions. Without it, a seed is picked at
   * random when the fault is made; {@link #seed()} tells which, to replay a failing run.
   */
  public Fault withSeed(long seed) {
    return new Fault(effect, direction, backendId, condition, probability, seed);
  }

  /** What it does; never null. */
  public Effect effect() {
    return effect;
  }

  /** The direction it acts on; never null; {@link Direction#BOTH} for connect faults and HTTP faults. */
  public Direction direction() {
    return direction;
  }

  /** The backend whose connections it acts on, or null for every backend. */
  public String backendId() {
    return backendId;
  }

  /** The condition connections must meet, or null for none. */
  public Predicate<Connection> condition() {
    return condition;
  }

  /** The share of connections it acts on, 0.0-1.0. */
  public double probability() {
    return probability;
  }

  /** The seed of its random decisions. */
  public long seed() {
    return seed;
  }

  /** The effect, then whatever narrows it: {@code latency(200ms, jitter 0ms) to-client on 10.0.0.2:5432}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(effect.toString());
    if (direction != Direction.BOTH) {
      text.append(direction == Direction.TO_CLIENT ? " to-client" : " to-backend");
    }
    if (backendId != null) {
      text.append(" on ").append(backendId);
    }
    if (condition != null) {
      text.append(" when ").append(condition);
    }
    if (probability < 1.0) {
      text.append(" probability ").append(probability);
    }
    if (probability < 1.0 || effect instanceof Latency latency && !latency.jitter().isZero()) {
      text.append(" seed ").append(seed);
    }
    return text.toString();
  }

  private static void checkDuration(String name, Duration value) {
    Ranges.check(name, value, Duration.ZERO, MAX_DURATION);
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + " or more)");
    }
  }
}
