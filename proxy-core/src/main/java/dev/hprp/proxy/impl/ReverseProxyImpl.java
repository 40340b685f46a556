package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendAdminState;
import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.Ranges;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import dev.hprp.proxy.impl.http.HttpServerVerticle;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.impl.tcp.TcpServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: a backend registry, a health monitor, the upstream connector, and one server verticle per event
 * loop ({@link TcpServerVerticle} or {@link HttpServerVerticle}, as the mode says); the runtime backend changes are
 * orchestrated here.
 *
 * <p>Start and close are each done once; {@code synchronized} guards those transitions and the planning of
 * {@link #updateBackends}, never the relay.
 */
final class ReverseProxyImpl implements ReverseProxy {

  private static final Logger log = LoggerFactory.getLogger(ReverseProxyImpl.class);

  /**
   * How much longer than the drain's own timeout Vert.x is given before it closes client sockets itself; and how long
   * the close waits for Vert.x to undeploy the servers.
   */
  private static final Duration DRAIN_BACKSTOP = Duration.ofSeconds(5);

  /**
   * Vert.x shares one listening socket among servers of the same host and port, except port 0, where each server
   * binds its own. A negative port is Vert.x's way to say "one ephemeral port shared by every server using this
   * number", so each proxy asked for port 0 takes a number of its own.
   */
  private static final AtomicInteger EPHEMERAL_GROUPS = new AtomicInteger(1_000_000);

  private final Vertx vertx;
  private final ProxyConfig config;
  private final BackendRegistry registry;
  private final HealthMonitor monitor;
  private final UpstreamConnector connector;
  private final FaultRegistry faults;
  private final BackendQueue queue;
  /** The options in force: those built with, then those {@link #reconfigure} applied. Guarded by {@code this}. */
  private ReverseProxyOptions options;
  /** What TLS termination offers by ALPN: HTTP mode speaks HTTP/1.1 only; TCP mode does not know the protocol. */
  private final List<String> alpn;
  /** The passive health options in force. Guarded by {@code this}. */
  private PassiveHealthOptions passive;
  private final Connections connections;
  private final BackendEvents events;
  private final ProxyInternals internals = new ProxyInternals(this);
  /** The backends configured at build time, admitted by {@link #start()}. */
  private final List<BackendStateImpl> configured = new ArrayList<>();
  /** The discovery sources, started by {@link #start()}, and the union of the configured backends with theirs. */
  private final DiscoveredBackends discovered;
  /** The bound port of each server verticle deployed. */
  private final List<ProxyServer> servers = new CopyOnWriteArrayList<>();
  private Future<Void> started;
  /** Completes with the connections cut at the deadline; set once by the first shutdown or close. */
  private Future<Integer> shutdown;
  private Future<Void> closed;
  private volatile boolean accepting;
  private volatile int actualPort = -1;
  private final List<String> deploymentIds = new ArrayList<>();

  ReverseProxyImpl(Vertx vertx, ProxyConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.events = new BackendEvents(vertx.getOrCreateContext(), config.listeners());
    this.connections = new Connections(config.connectionListeners());
    this.registry = new BackendRegistry(vertx, config.balancer(), events);
    this.monitor = new HealthMonitor(vertx, registry, events, config.healthCheck(), config.healthCheckOptions(),
        config.passiveHealthOptions());
    ReverseProxyOptions options = config.options();
    this.options = options;
    this.passive = config.passiveHealthOptions();
    this.faults = new FaultRegistry(vertx, registry);
    this.queue = new BackendQueue(vertx, registry, options.getMaxQueue(), options.getQueueTimeout().toMillis());
    registry.onRebuilt(queue::drain);
    if (config.proxyProtocol().isSendToHealthChecks()) {
      monitor.probeHeader(config.proxyProtocol().getSend());
    }
    if (config.backendTls() != null) {
      monitor.probeTls(config.backendTls());
      if (config.backendTls().isInsecure()) {
        log.warn("TLS to the backends does not verify their certificates (insecure): for tests only");
      }
    }
    this.alpn = options.getMode() == ProxyMode.HTTP ? List.of("http/1.1") : List.of();
    Edge edge = new Edge(new AcceptGate(options.getMaxConnections()), options.getClientTimeout().toNanos(),
        config.proxyProtocol(), config.tls() == null ? null : TlsContexts.server(config.tls(), alpn),
        config.backendTls() == null ? null : TlsContexts.client(config.backendTls()),
        config.backendTls() == null ? null : config.backendTls().getServerName().orElse(null));
    this.connector = new UpstreamConnector(registry, monitor, faults, options.getMaxConnectAttempts(),
        earlyCloseWindowNanos(passive), queue, edge, connections);
    for (Backend backend : config.backends()) {
      configured.add(registry.add(newState(backend)));
    }
    this.discovered = new DiscoveredBackends(config.backends(), config.discovery(), this::applyDiscovered);
  }

  private BackendStateImpl newState(Backend backend) {
    int limit;
    synchronized (this) {
      limit = options.getBackendMaxConnections();
    }
    return new BackendStateImpl(backend, monitor.initialHealth(), false, limit);
  }

  @Override
  public Future<Void> start() {
    Promise<Void> starting = Promise.promise();
    synchronized (this) {
      if (shutdown != null) {
        return Future.failedFuture(new IllegalStateException("proxy closed"));
      }
      if (started != null) {
        return started;
      }
      started = starting.future();
    }
    // The configured backends and every discovery source's first set are admitted (probed once when checks are on)
    // before the port opens. Outside the lock: sources report to DiscoveredBackends, whose lock comes first.
    List<Future<Void>> admissions = new ArrayList<>(configured.size() + 1);
    for (BackendStateImpl state : configured) {
      admissions.add(monitor.admit(state));
    }
    admissions.add(discovered.start(vertx));
    Future.all(admissions).compose(v -> registry.rebuild()).compose(v -> deploy()).onComplete(starting);
    return starting.future();
  }

  private Future<Void> deploy() {
    ReverseProxyOptions options = config.options();
    int instances = options.getEventLoops();
    int port = options.getPort() == 0 ? -EPHEMERAL_GROUPS.incrementAndGet() : options.getPort();
    return deploy(port, instances).map(v -> {
      actualPort = servers.get(0).actualPort();
      log.info("listening on {}:{} in {} mode with {} event loop(s), {} transport; balancer {}, pool size {}, "
              + "backends {}", options.getHost(), actualPort, options.getMode(), instances,
          vertx.isNativeTransportEnabled() ? "native" : "NIO", config.balancer(), options.getPoolSize(),
          registry.states());
      return null;
    });
  }

  /** Deploys a server verticle per event loop on {@code port}. */
  private Future<Void> deploy(int port, int instances) {
    ReverseProxyOptions options = config.options();
    AtomicInteger index = new AtomicInteger();
    return vertx.deployVerticle(() -> {
          int i = index.getAndIncrement();
          int share = share(options.getPoolSize(), instances, i);
          VerticleBase server;
          if (options.getMode() == ProxyMode.HTTP) {
            // At least one connection and one queue place per event loop, or its requests could never be served.
            HttpServerVerticle http = new HttpServerVerticle(options, config.httpOptions(), port, connector,
                Math.max(1, share), Math.max(1, share(config.httpOptions().getPoolQueue(), instances, i)),
                config.passiveHealthOptions().isEnabled() && config.passiveHealthOptions().isCountServerErrors());
            servers.add(http);
            server = http;
          } else {
            TcpServerVerticle tcp = new TcpServerVerticle(options, port, connector, share);
            servers.add(tcp);
            server = tcp;
          }
          return server;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          synchronized (this) {
            deploymentIds.add(id);
            accepting = shutdown == null;
          }
          return null;
        });
  }


  /**
   * Event loop {@code index}'s part of {@code total} when split over {@code parts} event loops: the pool size is per
   * backend for the whole proxy, and each event loop keeps its own connections (a request and its backend connection
   * share a thread), so the loops' parts add up to {@code total} (the first loops take the remainder).
   */
  static int share(int total, int parts, int index) {
    return total / parts + (index < total % parts ? 1 : 0);
  }

  ProxyInternals internals() {
    return internals;
  }

  /** The proxy's client connections: counts, records, the drain. */
  Connections connections() {
    return connections;
  }

  /** Every backend present, being removed ones included. */
  List<BackendStateImpl> states() {
    return registry.states();
  }

  /** The backend with {@code id} while it is present, or null. */
  BackendStateImpl find(String id) {
    return registry.find(id);
  }

  void addListener(BackendListener listener) {
    events.add(listener);
  }

  void removeListener(BackendListener listener) {
    events.remove(listener);
  }

  /** The connector every server of this proxy uses; for tests that drive it without sockets. */
  UpstreamConnector connector() {
    return connector;
  }

  @Override
  public int actualPort() {
    int port = actualPort;
    if (port < 0) {
      throw new IllegalStateException("proxy not started");
    }
    return port;
  }

  @Override
  public List<BackendStatus> backends() {
    return registry.statuses();
  }

  @Override
  public Future<Void> addBackend(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    if (isClosed()) {
      return closedFailure();
    }
    BackendStateImpl state;
    try {
      state = registry.add(newState(backend));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    log.info("backend {} joining", backend);
    return monitor.admit(state).compose(v -> registry.rebuild());
  }

  @Override
  public Future<Void> removeBackend(String id, Duration drainTimeout) {
    Objects.requireNonNull(id, "id");
    try {
      BackendStateImpl state = registry.require(id);
      Future<Void> removal = remove(state, checkDrainTimeout(drainTimeout));
      registry.rebuild();
      return removal;
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  /** A drain timeout is 0 (close at once) to a week. */
  private static Duration checkDrainTimeout(Duration drainTimeout) {
    return Ranges.check("drainTimeout", drainTimeout, Duration.ZERO, ReverseProxyOptions.MAX_DRAIN_TIMEOUT);
  }

  /**
   * Begins a removal: no new connection from now (picks skip it before any new selector is built; the caller asks
   * for one); the rest are closed at {@code drainTimeout}.
   */
  private Future<Void> remove(BackendStateImpl state, Duration drainTimeout) {
    monitor.stop(state);
    Future<Void> removal = registry.beginRemoval(state);
    if (!removal.isComplete()) {
      long timer = vertx.setTimer(Math.max(1, drainTimeout.toMillis()), id -> {
        if (state.activeConnections() > 0) {
          log.info("backend {}: drain timeout {} over; closing its {} connection(s)", state.id(),
              Durations.format(drainTimeout), state.activeConnections());
        }
        state.abortAll();
        if (state.activeConnections() == 0) {
          registry.drained(state); // nothing was open: no release will come to finish it
        }
      });
      removal.onComplete(ar -> vertx.cancelTimer(timer));
    }
    return removal;
  }

  @Override
  public Future<Void> setWeight(String id, int weight) {
    Objects.requireNonNull(id, "id");
    try {
      Ranges.check("weight", weight, 1, Backend.MAX_WEIGHT);
      return registry.setWeight(registry.require(id), weight) ? registry.rebuild() : Future.succeededFuture();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Void> setBackendMaxConnections(String id, int maxConnections) {
    Objects.requireNonNull(id, "id");
    try {
      Ranges.check("maxConnections", maxConnections, 0, ReverseProxyOptions.MAX_CONNECTIONS_LIMIT);
      BackendStateImpl state = registry.require(id);
      if (state.maxConnections() != maxConnections) {
        log.info("backend {} connection limit {} -> {}", id, state.maxConnections(), maxConnections);
      }
      state.overrideMaxConnections(maxConnections);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    queue.drain(); // a higher limit serves waiting clients at once
    return Future.succeededFuture();
  }

  private static long earlyCloseWindowNanos(PassiveHealthOptions passive) {
    return passive.isEnabled() ? passive.getEarlyCloseWindow().toNanos() : 0;
  }

  @Override
  public synchronized Future<List<String>> reconfigure(ReverseProxyOptions requested) {
    Objects.requireNonNull(requested, "options");
    ReverseProxyOptions next = new ReverseProxyOptions(requested);
    ReverseProxyOptions before = options;
    List<String> restart = new ArrayList<>();
    if (!before.getHost().equals(next.getHost())) {
      restart.add("host");
      next.setHost(before.getHost());
    }
    if (before.getPort() != next.getPort()) {
      restart.add("port");
      next.setPort(before.getPort());
    }
    if (before.getEventLoops() != next.getEventLoops()) {
      restart.add("eventLoops");
      next.setEventLoops(before.getEventLoops());
    }
    if (!before.getConnectTimeout().equals(next.getConnectTimeout())) {
      restart.add("connectTimeout");
      next.setConnectTimeout(before.getConnectTimeout());
    }
    if (!before.getIdleTimeout().equals(next.getIdleTimeout())) {
      restart.add("idleTimeout");
      next.setIdleTimeout(before.getIdleTimeout());
    }
    if (before.getMode() != next.getMode()) {
      restart.add("mode");
      next.setMode(before.getMode());
    }
    if (before.getPoolSize() != next.getPoolSize()) {
      // Each event loop's server sized its pool (HTTP) or its preconnected sockets (TCP) when it started.
      restart.add("poolSize");
      next.setPoolSize(before.getPoolSize());
    }
    options = next;
    connector.edge().acceptGate().limit(next.getMaxConnections());
    connector.edge().clientTimeoutNanos(next.getClientTimeout().toNanos());
    queue.limits(next.getMaxQueue(), next.getQueueTimeout().toMillis());
    for (BackendStateImpl state : registry.states()) {
      state.defaultMaxConnections(next.getBackendMaxConnections());
    }
    connector.reconfigure(next.getMaxConnectAttempts(), earlyCloseWindowNanos(passive));
    queue.drain(); // higher limits serve waiting clients at once
    if (!restart.isEmpty()) {
      log.info("options {} changed but apply only to a new proxy: kept as they were", restart);
    }
    return Future.succeededFuture(List.copyOf(restart));
  }

  @Override
  public Future<Void> updateHealthCheck(HealthCheck check, HealthCheckOptions options) {
    Objects.requireNonNull(check, "check");
    try {
      monitor.update(check, new HealthCheckOptions(Objects.requireNonNull(options, "options")));
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> updatePassiveHealth(PassiveHealthOptions requested) {
    PassiveHealthOptions next = new PassiveHealthOptions(Objects.requireNonNull(requested, "options"));
    if (next.getMaxEjectionTime().compareTo(next.getBaseEjectionTime()) < 0) {
      return Future.failedFuture(new IllegalArgumentException("passive health: maxEjectionTime "
          + Durations.format(next.getMaxEjectionTime()) + " is below baseEjectionTime "
          + Durations.format(next.getBaseEjectionTime())));
    }
    passive = next;
    monitor.update(next);
    connector.reconfigure(options.getMaxConnectAttempts(), earlyCloseWindowNanos(next));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> updateTls(TlsOptions options) {
    Objects.requireNonNull(options, "options");
    if (connector.edge().serverTls() == null) {
      return Future.failedFuture(new IllegalStateException("tls: off (expected: a proxy built with TLS)"));
    }
    try {
      connector.edge().serverTls(TlsContexts.server(options, alpn));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    log.info("TLS certificate {} loaded for new connections", options.getCertificate());
    return Future.succeededFuture();
  }

  @Override
  public int queuedConnections() {
    return queue.size();
  }

  @Override
  public Future<Void> drain(String id) {
    return setAdminState(id, BackendAdminState.DRAINING);
  }

  @Override
  public Future<Void> enable(String id) {
    return setAdminState(id, BackendAdminState.ENABLED);
  }

  private Future<Void> setAdminState(String id, BackendAdminState to) {
    Objects.requireNonNull(id, "id");
    try {
      return registry.setAdminState(registry.require(id), to) ? registry.rebuild() : Future.succeededFuture();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Void> updateBackends(List<Backend> desired, Duration drainTimeout) {
    Objects.requireNonNull(desired, "desired");
    Map<String, Backend> wanted = new HashMap<>();
    for (Backend backend : desired) {
      if (wanted.put(Objects.requireNonNull(backend, "desired backend").id(), backend) != null) {
        return Future.failedFuture(new IllegalArgumentException("backends: " + backend.id() + " is listed twice"));
      }
    }
    if (wanted.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("backends: none (expected: at least one)"));
    }
    try {
      checkDrainTimeout(drainTimeout);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (isClosed()) {
      return closedFailure();
    }
    return applyUpdate(desired, wanted, drainTimeout);
  }

  /**
   * Plans and applies one update: every weight change and removal takes effect at once (removals stop new
   * connections at once; the selector follows in the one rebuild), additions after their first probe, all in one
   * selector rebuild. Serialised, so two updates never interleave their plans.
   */
  private synchronized Future<Void> applyUpdate(List<Backend> desired, Map<String, Backend> wanted,
      Duration drainTimeout) {
    List<Future<Void>> admissions = new ArrayList<>();
    List<Future<Void>> removals = new ArrayList<>();
    List<Future<Void>> readditions = new ArrayList<>();
    boolean changed = false;
    for (BackendStateImpl state : registry.states()) {
      Backend target = wanted.get(state.id());
      if (target == null) {
        if (!state.removed()) {
          removals.add(remove(state, drainTimeout));
          changed = true;
        }
      } else if (!state.removed() && registry.reconfigure(state, target)) {
        changed = true;
      }
    }
    for (Backend backend : desired) {
      BackendStateImpl present = registry.find(backend.id());
      if (present == null) {
        log.info("backend {} joining", backend);
        admissions.add(monitor.admit(registry.add(newState(backend))));
        changed = true;
      } else if (present.removed()) {
        // Wanted again while still draining: it comes back, fresh, once that removal has finished.
        readditions.add(present.removal().future().compose(v -> addBackend(backend)));
      }
    }
    if (!changed) {
      return Future.join(readditions).mapEmpty();
    }
    Future<Void> rebuilt = Future.join(admissions).compose(v -> registry.rebuild());
    List<Future<Void>> all = new ArrayList<>(removals);
    all.addAll(readditions);
    all.add(rebuilt);
    return Future.all(all).mapEmpty();
  }

  @Override
  public Future<FaultHandle> addFault(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    if (isClosed()) {
      return closedFailure();
    }
    ProxyMode mode = config.options().getMode();
    if (fault.effect().onRequest() && mode != ProxyMode.HTTP) {
      return Future.failedFuture(new IllegalArgumentException("fault: " + fault.effect() + " acts on HTTP requests "
          + "(expected: a proxy in " + ProxyMode.HTTP + " mode; this one is in " + mode + " mode)"));
    }
    if (!fault.effect().onRequest() && !fault.effect().onConnect() && mode != ProxyMode.TCP) {
      // HTTP mode parses and re-frames the bytes: a data fault would have nothing to act on, so it is refused
      // rather than accepted and never seen.
      return Future.failedFuture(new IllegalArgumentException("fault: " + fault.effect() + " acts on relayed bytes "
          + "(expected: a proxy in " + ProxyMode.TCP + " mode, or in " + mode + " mode an HTTP fault (httpStatus, "
          + "abortAfterHeaders) or a connect fault (refuseFirst, connectDelay))"));
    }
    return faults.add(fault);
  }

  @Override
  public List<FaultHandle> faults() {
    return faults.handles();
  }

  /**
   * Applies a change of the discovered backends, from {@code before} to {@code after}: what left {@code after} is
   * removed, draining for the configured drain timeout; what is new is added (admitted after a first probe when
   * checks are on); weights and priorities follow. Backends added through the runtime API and never discovered are
   * left as they are.
   */
  private synchronized Future<Void> applyDiscovered(List<Backend> before, List<Backend> after) {
    if (isClosed()) {
      return Future.succeededFuture();
    }
    Set<String> discoveredBefore = new HashSet<>();
    before.forEach(backend -> discoveredBefore.add(backend.id()));
    List<Backend> desired = new ArrayList<>(after);
    Map<String, Backend> wanted = new HashMap<>();
    after.forEach(backend -> wanted.put(backend.id(), backend));
    for (BackendStateImpl state : registry.states()) {
      if (!state.removed() && !discoveredBefore.contains(state.id()) && !wanted.containsKey(state.id())) {
        desired.add(state.backend());
        wanted.put(state.id(), state.backend());
      }
    }
    return applyUpdate(desired, wanted, options.getDrainTimeout());
  }

  private synchronized boolean isClosed() {
    return shutdown != null;
  }

  private static <T> Future<T> closedFailure() {
    return Future.failedFuture(new IllegalStateException("proxy closed"));
  }

  @Override
  public boolean accepting() {
    return accepting;
  }

  @Override
  public Future<Integer> shutdown(Duration timeout) {
    try {
      Ranges.check("timeout", timeout, Duration.ZERO, Duration.ofDays(7));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return beginShutdown(timeout);
  }

  @Override
  public synchronized Future<Void> close() {
    if (closed == null) {
      closed = beginShutdown(Duration.ZERO).mapEmpty();
    }
    return closed;
  }

  /**
   * Stops accepting now; once the start (if any) has settled, drains for at most {@code timeout}, then stops health
   * checks and undeploys the servers. Done once: later calls get the first one's future.
   */
  private synchronized Future<Integer> beginShutdown(Duration timeout) {
    if (shutdown == null) {
      // No backend joins or leaves by discovery from now on; its lock is not taken.
      discovered.close();
      accepting = false;
      connections.refuse();
      Future<Void> afterStart = started == null ? Future.succeededFuture()
          : started.transform(ar -> Future.<Void>succeededFuture());
      shutdown = afterStart.compose(v -> drain(timeout))
          .transform(ar -> {
            monitor.close();
            return undeploy().transform(closedAr -> Future.succeededFuture(ar.succeeded() ? ar.result() : 0));
          });
    }
    return shutdown;
  }

  /**
   * Stops every server accepting and waits for the open connections to finish; at {@code timeout} closes those still
   * open (and any still connecting, as soon as its connect settles).
   *
   * @return completes once no client connection is left, with the number still open at the deadline
   */
  private Future<Integer> drain(Duration timeout) {
    List<Future<Void>> steps = new ArrayList<>();
    for (ProxyServer server : servers) {
      // Vert.x closes what is left at its own timeout: later than ours, a backstop that should never act.
      steps.add(server.shutdown(timeout.plus(DRAIN_BACKSTOP)));
    }
    Future<Void> idle = connections.awaitIdle();
    steps.add(idle);
    int[] cut = {0};
    if (!idle.isComplete()) {
      log.info("draining: {} connection(s) open, deadline {}", connections.active(), Durations.format(timeout));
    }
    Runnable deadline = () -> {
      int open = connections.kill();
      if (open > 0) {
        cut[0] = open;
        log.info("drain timeout {} over: closing {} connection(s)", Durations.format(timeout), open);
        for (BackendStateImpl state : registry.states()) {
          state.abortAll();
        }
        servers.forEach(ProxyServer::closeConnections);
      }
    };
    if (timeout.isZero()) {
      deadline.run();
    } else if (!idle.isComplete()) {
      long timer = vertx.setTimer(timeout.toMillis(), id -> deadline.run());
      idle.onComplete(ar -> vertx.cancelTimer(timer));
    }
    return Future.join(steps).transform(ar -> Future.succeededFuture(cut[0]));
  }

  /**
   * Undeploys the servers, waiting at most {@link #DRAIN_BACKSTOP}: Vert.x 5.2's HTTP client may never finish closing a
   * backend connection that HTTP mode closed at the socket while writes to it were queued (a backend that answered
   * and stopped reading an upload), and a proxy's close must not wait forever on it.
   */
  private synchronized Future<Void> undeploy() {
    List<Future<Void>> undeployed = new ArrayList<>();
    deploymentIds.forEach(id -> undeployed.add(vertx.undeploy(id)));
    Promise<Void> done = Promise.promise();
    Future.join(undeployed).onComplete(ar -> done.tryComplete());
    long timer = vertx.setTimer(DRAIN_BACKSTOP.toMillis(), id -> {
      if (done.tryComplete()) {
        log.warn("closed without waiting longer for Vert.x to finish closing its servers and backend clients ({})",
            Durations.format(DRAIN_BACKSTOP));
      }
    });
    done.future().onComplete(ar -> vertx.cancelTimer(timer));
    return done.future();
  }
}
