package dev.hprp.proxy;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.impl.ReverseProxyBuilderImpl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * A reverse proxy in one of two {@link ProxyMode modes}: TCP (the default) accepts client connections and relays
 * each, bytes both ways with backpressure, to a backend chosen by a {@link dev.hprp.proxy.balancer.Balancer} among
 * the healthy ones; HTTP balances each request on its own over pooled keep-alive backend connections
 * ({@link ReverseProxyOptions#setMode}, {@link HttpOptions}).
 *
 * <pre>{@code
 * ReverseProxy proxy = ReverseProxy.builder(vertx)
 *     .backends(Backend.parseList("10.0.0.1:3001,10.0.0.2:3001"))
 *     .balancer(Balancer.leastConnections())
 *     .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions())
 *     .with(new ReverseProxyOptions().setPort(8080))
 *     .build();
 * proxy.start().await();
 * }</pre>
 *
 * <p>Backends may change while traffic flows: {@link #addBackend}, {@link #removeBackend}, {@link #setWeight},
 * {@link #drain}, {@link #enable}, or the whole set at once with {@link #updateBackends} (what a discovery source or a
 * config reload gives). Connections already relayed are never moved; a change applies to new connections from the
 * moment the returned future completes (a removal or drain from the moment it is called).
 *
 * <p>For tests, faults can be injected into client connections, new and open: {@link #addFault} (see
 * {@link Fault}). While no fault is added, connections run no fault code at all.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #start()} and {@link #close()} each take
 * effect once; the proxy cannot be restarted after close. The {@code Vertx} stays the caller's: closing the proxy does
 * not close it.
 */
public interface ReverseProxy {

  /**
   * A builder for a proxy running on {@code vertx}. Its transport (native epoll/io_uring or NIO) and event-loop
   * pool are used as they are; create it with {@code Vertx.builder().withTransport(Transport.IO_URING)} or
   * {@code new VertxOptions().setPreferNativeTransport(true)} (epoll) for a native one.
   *
   * @param vertx never null
   */
  static ReverseProxyBuilder builder(Vertx vertx) {
    return new ReverseProxyBuilderImpl(vertx);
  }

  /**
   * Starts every {@linkplain dev.hprp.proxy.discovery.BackendDiscovery discovery source} and waits for its first set
   * (a DNS source's first answer), runs the first round of health checks on the backends found (bounded by their
   * timeout) so no client goes to a dead backend, then listens on every event loop.
   *
   * @return completes when listening; fails when a source cannot find its first backends (a
   *     {@link dev.hprp.proxy.discovery.DiscoveryException} naming it, such as a DNS name that does not exist), the
   *     port cannot be bound or the proxy was closed; never null. Calling it again returns the same future.
   */
  Future<Void> start();

  /**
   * The port actually listened on: the configured one, or the ephemeral one chosen for port 0.
   *
   * @throws IllegalStateException before {@link #start()} has completed
   */
  int actualPort();

  /**
   * A snapshot of every backend, in the order they were added (configured ones first): health, admin state and
   * counters; never null. A backend being removed is listed, {@link BackendAdminState#DRAINING DRAINING}, until its
   * removal completes.
   */
  List<BackendStatus> backends();

  /**
   * Adds a backend to the rotation.
   *
   * @param backend never null
   * @return completes once {@code backend} takes new connections: at once without active health checks, after its
   *     first probe with them (a backend failing that probe is added {@link BackendHealth#DOWN DOWN} and the future
   *     still completes). Fails with {@link IllegalArgumentException} when a backend with the same
   *     {@link Backend#id() id} is present (also while it is being removed), with {@link IllegalStateException} once
   *     the proxy is closed
   */
  Future<Void> addBackend(Backend backend);

  /**
   * Removes a backend: from the moment of the call it takes no new connection; its relayed connections may go on
   * until {@code drainTimeout}, when the rest are closed. Afterwards its id may be added again, with fresh counters
   * and health.
   *
   * @param id           the backend's {@link Backend#id() id}, {@code host:port} ({@code [::1]:3001} for IPv6)
   * @param drainTimeout how long its connections may go on, 0 to 7 days; {@link Duration#ZERO} closes them at once
   * @return completes when its last connection has closed and its id is gone from {@link #backends()}; fails with
   *     {@link IllegalArgumentException} naming {@code id} when no such backend is present, or naming the drain
   *     timeout when it is out of range
   */
  Future<Void> removeBackend(String id, Duration drainTimeout);

  /**
   * Changes a backend's weight, 1-{@value Backend#MAX_WEIGHT}.
   *
   * @return completes once new picks follow the new weight; fails with {@link IllegalArgumentException} for an
   *     unknown id or a weight out of range
   */
  Future<Void> setWeight(String id, int weight);

  /**
   * Sets a backend's connection limit, which replaces {@link ReverseProxyOptions#getBackendMaxConnections()} for it:
   * the most connections open to it at once, connects under way included; 0 for none. A lower limit closes nothing:
   * new connections wait until the backend is below it. A higher one serves waiting clients at once.
   *
   * @param maxConnections 0 (no limit) to {@value ReverseProxyOptions#MAX_CONNECTIONS_LIMIT}
   * @return completes once new connections follow the new limit; fails with {@link IllegalArgumentException} for an
   *     unknown id or a limit out of range
   */
  Future<Void> setBackendMaxConnections(String id, int maxConnections);

  /**
   * Applies new options while the proxy runs, for the connections from now on: the connection limits
   * ({@link ReverseProxyOptions#getMaxConnections() proxy-wide}, and {@link ReverseProxyOptions#getBackendMaxConnections()
   * per backend} for the backends without a limit of their own), the queue's length and timeout, the client timeout
   * and the connect attempts. The others (host, port, event loops, connect and idle timeouts) apply only to a new
   * proxy: they are kept as they are, and named in the result. Connections already open are never closed by a
   * lower limit.
   *
   * @param options the options wanted (copied); never null
   * @return completes once new connections follow them, with the names of the settings that differ but need a new
   *     proxy ({@code port}, {@code host}, {@code eventLoops}, {@code connectTimeout}, {@code idleTimeout}), empty
   *     when none
   */
  Future<List<String>> reconfigure(ReverseProxyOptions options);

  /**
   * Replaces the active health check and its schedule and thresholds; each backend's probes follow from the next one
   * and its health state carries over. For a proxy built with active checks.
   *
   * @return completes once replaced; fails with {@link IllegalStateException} when the proxy was built without active
   *     checks (turning them on or off needs a new proxy)
   */
  Future<Void> updateHealthCheck(HealthCheck check, HealthCheckOptions options);

  /**
   * Replaces the passive health options (copied) for the connects from now on; an ejection under way keeps its time.
   *
   * @return completes once replaced; fails with {@link IllegalArgumentException} when the maximum ejection time is
   *     below the base time
   */
  Future<Void> updatePassiveHealth(PassiveHealthOptions options);

  /**
   * Loads TLS termination's certificate and key again, from {@code options}' files (the same paths, after a renewal
   * wrote new files there, or others): connections from now on get the new certificate; open ones keep theirs.
   *
   * @return completes once new connections use it; fails with {@link IllegalArgumentException} naming the files when
   *     they cannot be used (the certificate in use stays), with {@link IllegalStateException} when the proxy was built
   *     without TLS
   */
  Future<Void> updateTls(TlsOptions options);

  /**
   * Clients (in HTTP mode, requests) waiting now for a backend slot: they found every eligible backend at its
   * connection limit (see {@link ReverseProxyOptions#getMaxQueue()}); 0 when no backend has a limit.
   */
  int queuedConnections();

  /**
   * Stops sending new connections to a backend; those open go on. Its health checks go on too, so
   * {@link #backends()} still tells whether it is healthy. Undone by {@link #enable(String)}; a drained backend stays
   * drained whatever its health checks say.
   *
   * @return completes when new picks avoid it; fails with {@link IllegalArgumentException} for an unknown id
   */
  Future<Void> drain(String id);

  /**
   * Lets a drained backend take new connections again (when healthy).
   *
   * @return completes when new picks may choose it; fails with {@link IllegalArgumentException} for an unknown id
   *     or one being removed
   */
  Future<Void> enable(String id);

  /**
   * Makes the backends equal to {@code desired}: adds what is new, re-weights what changed, removes (draining for at
   * most {@code drainTimeout}) what is gone. Idempotent: calling it again with the same set changes nothing. All
   * changes of one call take effect together, in one new selector.
   *
   * @param desired      the whole set, at least one backend, no id twice
   * @param drainTimeout how long the connections of each removed backend may go on, 0 to 7 days
   * @return completes when every addition is in rotation and every removal has completed; fails with
   *     {@link IllegalArgumentException} (and changes nothing) when {@code desired} is empty or repeats an id, or
   *     the drain timeout is out of range. A backend of {@code desired} still being removed by an earlier call is
   *     added again, fresh, once that removal has completed
   */
  Future<Void> updateBackends(List<Backend> desired, Duration drainTimeout);

  /**
   * Injects a fault into client connections, a testing aid: {@link Fault} states what each built-in does and how to
   * narrow it to a direction, a backend, some connections or a share of them. Health probes never meet it.
   *
   * @param fault never null
   * @return completes, with the handle that removes the fault, once it acts on new connections and on every open
   *     one it applies to (connect faults act on new connections only, HTTP faults on new requests); fails with
   *     {@link IllegalStateException} once the proxy is closed, and with {@link IllegalArgumentException} for an HTTP
   *     fault ({@link Fault.Effect#onRequest()}) on a proxy in TCP mode or a data fault (neither an HTTP nor a
   *     connect fault) on a proxy in HTTP mode. Until it completes, connections opened meanwhile may or may not meet
   *     the fault.
   */
  Future<FaultHandle> addFault(Fault fault);

  /** The faults added and not removed, in the order added; never null; a snapshot. */
  List<FaultHandle> faults();

  /**
   * Whether it takes new connections: true from the moment {@link #start()} has completed until
   * {@link #shutdown(Duration)} or {@link #close()} is called. What a readiness probe reports, together with
   * {@link #backends()}.
   */
  boolean accepting();

  /**
   * Drains and closes the proxy: stops accepting at once (new connections are refused), lets the open connections
   * finish on their own for at most {@code timeout}, then closes those still open (their records say
   * {@link EndState#DRAIN_TIMEOUT}), stops health checks and releases everything, as {@link #close()}.
   *
   * <p>In HTTP mode: idle keep-alive client connections are closed at once; a request in flight goes on, its
   * response gets {@code Connection: close} when its head has not gone out yet, and its client connection is closed
   * once the response has; a request that arrives on an open connection meanwhile is served the same way. What is
   * still open at the deadline is closed, requests in flight included.
   *
   * <pre>{@code
   * int cut = proxy.shutdown(Duration.ofSeconds(30)).await();
   * }</pre>
   *
   * @param timeout how long open connections may go on, 0 to 7 days; {@link Duration#ZERO} closes them at once
   * @return completes when every connection is closed and the proxy is closed, with the number of connections that
   *     were still open at the deadline and were closed (0 when all finished in time); fails only with
   *     {@link IllegalArgumentException} for a timeout out of range. Once a shutdown or close has begun, a later call
   *     waits for that one, whatever its timeout
   */
  Future<Integer> shutdown(Duration timeout);

  /**
   * Stops discovery, stops accepting, closes every relayed connection and stops health checks: a
   * {@link #shutdown(Duration)} with no time to drain.
   *
   * @return completes when everything is closed; never fails; calling it again returns the same future
   */
  Future<Void> close();
}
