package dev.hprp.proxy.testing;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load of short exchanges against {@code 127.0.0.1:port}: {@code concurrency} loops, each opening a
 * connection, writing the request, reading until the expected answer arrived, closing, and starting over, until
 * {@code total} exchanges have started or {@link #stop()} is called.
 *
 * <p>An exchange succeeds when exactly the expected bytes arrive before its deadline; anything else (connect failure,
 * close or reset before the answer, wrong bytes, no answer in time) is a {@link Failure} recorded with when it
 * started, so tests can tell connections in flight during a fault from those started after it. Thread-safe: the loops
 * run on event loops, the counters may be read from any thread.
 */
public final class LoadClient {

  /**
   * How long a connect may wait for the handshake before it is tried once more on a fresh socket. Seen here on
   * loopback under load: a client's SYN to the proxy left unanswered for as long as the client waited, while the
   * proxy served everyone else and never saw that connection (the kernel's TIME_WAIT and timestamp checks on a
   * reused client port are the likely cause: nstat's {@code TcpExtPAWSOldAck} rose meanwhile). A new socket gets a
   * new port. Retries are counted, not hidden: {@link #connectRetries()}.
   */
  private static final int CONNECT_TIMEOUT_MILLIS = 3000;

  /** One failed exchange: when it started and ended ({@link System#nanoTime()}) and why. */
  public record Failure(long startNanos, long endNanos, String reason) {
  }

  private final Vertx vertx;
  private final NetClient client;
  private final int port;
  private final Buffer request;
  private final Buffer expected;
  private final long timeoutMillis;
  private final AtomicLong remaining;
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong slowestSuccessNanos = new AtomicLong();
  private final AtomicLong connectRetries = new AtomicLong();
  private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger runningLoops;
  private final Promise<Void> done = Promise.promise();
  private volatile boolean stopped;

  private LoadClient(Vertx vertx, int port, Buffer request, Buffer expected, int concurrency, long total,
      Duration timeout) {
    this.vertx = vertx;
    this.client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) Math.min(CONNECT_TIMEOUT_MILLIS, timeout.toMillis())));
    this.port = port;
    this.request = request;
    this.expected = expected;
    this.timeoutMillis = timeout.toMillis();
    this.remaining = new AtomicLong(total);
    this.runningLoops = new AtomicInteger(concurrency);
  }

  /**
   * Starts the load.
   *
   * @param request     written once on each connection
   * @param expected    the whole answer expected on each connection (the request itself for an echo backend)
   * @param concurrency loops running at once, 1 or more
   * @param total       exchanges to start at most; {@link Long#MAX_VALUE} to run until {@link #stop()}
   * @param timeout     deadline of one exchange, connect (and its one retry) included: a connection that hangs fails
   *                    after it
   */
  public static LoadClient start(Vertx vertx, int port, Buffer request, Buffer expected, int concurrency, long total,
      Duration timeout) {
    LoadClient load = new LoadClient(vertx, port, request, expected, concurrency, total, timeout);
    for (int i = 0; i < concurrency; i++) {
      // On an event loop, so that each connect's callback runs before any later event of its socket: called from
      // another thread, a close arriving at once could come before the handlers were set, and be missed.
      vertx.runOnContext(v -> load.next());
    }
    return load;
  }

  private void next() {
    if (stopped || remaining.getAndDecrement() <= 0) {
      if (runningLoops.decrementAndGet() == 0) {
        client.close().onComplete(ar -> done.complete());
      }
      return;
    }
    long start = System.nanoTime();
    Promise<Void> outcome = Promise.promise();
    AtomicBoolean connected = new AtomicBoolean();
    long timer = vertx.setTimer(timeoutMillis, id -> outcome.tryFail("no answer within " + timeoutMillis + " ms ("
        + (connected.get() ? "connected" : "not connected") + ")"));
    connect().onComplete(ar -> {
      connected.set(ar.succeeded());
      if (ar.failed()) {
        outcome.tryFail("connect failed: " + ar.cause());
      } else {
        exchange(ar.result(), outcome);
      }
    });
    outcome.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        succeeded.incrementAndGet();
        slowestSuccessNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
      } else {
        failures.add(new Failure(start, System.nanoTime(), ar.cause().getMessage()));
      }
      next();
    });
  }

  private Future<NetSocket> connect() {
    return client.connect(port, "127.0.0.1").recover(e -> {
      if (!(e instanceof ConnectTimeoutException)) {
        return Future.failedFuture(e);
      }
      connectRetries.incrementAndGet();
      return client.connect(port, "127.0.0.1");
    });
  }

  private void exchange(NetSocket socket, Promise<Void> outcome) {
    if (outcome.future().isComplete()) {
      socket.close();
      return;
    }
    Buffer received = Buffer.buffer(expected.length());
    socket.handler(data -> {
      received.appendBuffer(data);
      if (received.length() >= expected.length()) {
        if (received.equals(expected)) {
          outcome.tryComplete();
        } else {
          outcome.tryFail("wrong answer: " + received.length() + " bytes, expected " + expected.length());
        }
      }
    });
    socket.exceptionHandler(e -> outcome.tryFail("error: " + e));
    socket.closeHandler(v -> outcome.tryFail("closed after " + received.length() + " of " + expected.length()
        + " answer bytes"));
    // A connection closed before these handlers were set shows here: the write fails.
    socket.write(request).onFailure(e -> outcome.tryFail("write failed: " + e));
    outcome.future().onComplete(ar -> socket.close());
  }

  /** Starts no more exchanges; the returned future completes once those in flight ended. */
  public Future<Void> stop() {
    stopped = true;
    return done.future();
  }

  /** Completes once every loop ended: {@code total} exchanges done, or stopped. */
  public Future<Void> done() {
    return done.future();
  }

  /** Exchanges that succeeded so far. */
  public long succeeded() {
    return succeeded.get();
  }

  /** Connects that timed out and were tried again on a fresh socket (see {@link #CONNECT_TIMEOUT_MILLIS}). */
  public long connectRetries() {
    return connectRetries.get();
  }

  /** The longest successful exchange so far, connect to answer, in nanoseconds. */
  public long slowestSuccessNanos() {
    return slowestSuccessNanos.get();
  }

  /** Failed exchanges so far, in no particular order; a copy. */
  public List<Failure> failures() {
    return new ArrayList<>(failures);
  }
}
