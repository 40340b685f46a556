package dev.hprp.proxy.junit5;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A proxy on {@code 127.0.0.1} and a free port in front of one service, for tests: point the client under test at
 * {@link #address()} instead of the service, then make the service misbehave with {@link #fault(Fault)}, or cut the
 * network with {@link #cut()}. Works for any TCP client (HTTP, a database driver, a cache client) and needs no
 * JUnit; with JUnit 5, {@link HprpExtension} starts and closes one for you.
 *
 * <pre>{@code
 * TestProxy proxy = TestProxy.start(vertx, "127.0.0.1:5432").await();
 * String url = "jdbc:postgresql://" + proxy.address() + "/shop";          // the client goes through the proxy
 * InjectedFault slow = proxy.fault(Fault.latency(Duration.ofMillis(300), Duration.ZERO));
 * // ... the client now waits 300 ms more each way ...
 * slow.remove();
 * proxy.close().await();
 * }</pre>
 *
 * <p>{@link #fault}, {@link InjectedFault#remove()}, {@link #cut()}, {@link #restore()} and {@link #clearFaults()}
 * take effect, on new and open connections, before they return: they block, so call them from the test's thread,
 * never from an event loop (Vert.x refuses to block one and throws {@link IllegalStateException}). Thread-safe
 * otherwise. The proxy runs on the given {@code Vertx}, one event loop, with no health checks and no passive
 * ejection (a test's faults never change what the proxy thinks of the service).
 */
public final class TestProxy {

  /** Longest a blocking call waits for the proxy. */
  private static final long TIMEOUT_SECONDS = 30;

  private final ReverseProxy proxy;
  private final Backend target;
  private final List<InjectedFault> injected = new ArrayList<>();
  /** The faults of a {@link #cut()} in force; null when not cut. */
  private List<FaultHandle> cut;

  private TestProxy(ReverseProxy proxy, Backend target) {
    this.proxy = proxy;
    this.target = target;
  }

  /**
   * Starts a proxy on {@code 127.0.0.1} and a free port in front of {@code target}. The target need not be up yet:
   * each client connection is connected to it as it comes.
   *
   * @param vertx  runs the proxy; stays the caller's (closing the proxy does not close it)
   * @param target {@code host:port} ({@code [::1]:5432} for IPv6)
   * @return completes once listening; fails with {@link IllegalArgumentException} for a malformed target
   */
  public static Future<TestProxy> start(Vertx vertx, String target) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(target, "target");
    Backend backend;
    try {
      backend = Backend.parse(target);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backend(backend)
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    return proxy.start().map(v -> new TestProxy(proxy, backend));
  }

  /** The port the proxy listens on, on {@code 127.0.0.1}. */
  public int port() {
    return proxy.actualPort();
  }

  /** Where clients connect: {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** The service behind the proxy, {@code host:port}. */
  public String target() {
    return target.id();
  }

  /**
   * Injects a fault into the connections to the service, open and new, until the returned handle removes it (or
   * {@link #clearFaults()} does). See {@link Fault} for what each one does.
   *
   * @param fault never null
   * @return the fault in force: it acts before this returns
   * @throws IllegalArgumentException for an HTTP fault ({@link Fault#httpStatus}, {@link Fault#abortAfterHeaders}):
   *     a test proxy relays TCP, whatever the protocol, and has no requests for them to act on
   */
  public InjectedFault fault(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    InjectedFault added = new InjectedFault(this, sync(proxy.addFault(fault)));
    synchronized (this) {
      injected.add(added);
    }
    return added;
  }

  void forget(InjectedFault fault) {
    synchronized (this) {
      injected.remove(fault);
    }
  }

  /**
   * Cuts the network, as a pulled cable or a dead host does: new connections are closed at once (the proxy accepts
   * them and, connecting to nothing, closes them, as a refused connect), and open ones are reset. Undone by
   * {@link #restore()}; calling it again while cut does nothing.
   */
  public void cut() {
    synchronized (this) {
      if (cut != null) {
        return;
      }
      // Refusals first, so that nothing connects between the reset and them.
      FaultHandle refuse = sync(proxy.addFault(Fault.refuseFirst(Integer.MAX_VALUE)));
      FaultHandle reset = sync(proxy.addFault(Fault.resetAfter(0)));
      cut = List.of(refuse, reset);
    }
  }

  /** Ends a {@link #cut()}: new connections go through again. Does nothing when not cut. */
  public void restore() {
    synchronized (this) {
      if (cut == null) {
        return;
      }
      cut.forEach(fault -> sync(fault.remove()));
      cut = null;
    }
  }

  /** Removes every fault injected through this proxy and ends a {@link #cut()}: the proxy is transparent again. */
  public void clearFaults() {
    List<InjectedFault> all;
    synchronized (this) {
      all = List.copyOf(injected);
    }
    all.forEach(InjectedFault::remove);
    restore();
  }

  /**
   * Client connections relayed to the service now: counted from the service's accepting until both sockets are
   * closed (so a connection {@link #cut()} or reset by a fault stops counting a moment after the call returned).
   */
  public int openConnections() {
    return proxy.backends().stream().mapToInt(BackendStatus::activeConnections).sum();
  }

  /**
   * Stops the proxy and closes its connections.
   *
   * @return completes when everything is closed; never fails
   */
  public Future<Void> close() {
    return proxy.close();
  }

  /** Waits for {@code future} from the test's thread. */
  static <T> T sync(Future<T> future) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the proxy did not answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  @Override
  public String toString() {
    return "TestProxy[" + address() + " -> " + target() + "]";
  }
}
