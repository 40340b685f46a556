package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendAdminState;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.Ranges;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.impl.tcp.TcpServerVerticle;
import io.vertx.core.DeploymentOptions;
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
 * The running proxy: a backend registry, a health monitor, the upstream connector, and one
 * {@link TcpServerVerticle} per event loop; the runtime backend changes are orchestrated here.
 *
 * <p>Start and close are each done once; {@code synchronized} guards those transitions and the planning of
 * {@link #updateBackends}, never the relay.
 */
final class ReverseProxyImpl implements ReverseProxy {

  private static final Logger log = LoggerFactory.getLogger(ReverseProxyImpl.class);

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
  /** The backends configured at build time, admitted by {@link #start()}. */
  private final List<BackendStateImpl> configured = new ArrayList<>();
  /** The discovery sources, started by {@link #start()}, and the union of the configured backends with theirs. */
  private final DiscoveredBackends discovered;
  private final List<TcpServerVerticle> servers = new CopyOnWriteArrayList<>();
  private Future<Void> started;
  private Future<Void> closed;
  private volatile int actualPort = -1;
  private String deploymentId;

  ReverseProxyImpl(Vertx vertx, ProxyConfig config) {
    this.vertx = vertx;
    this.config = config;
    BackendEvents events = new BackendEvents(vertx.getOrCreateContext(), config.listeners());
    this.registry = new BackendRegistry(vertx, config.balancer(), events);
    this.monitor = new HealthMonitor(vertx, registry, events, config.healthCheck(), config.healthCheckOptions(),
        config.passiveHealthOptions());
    long earlyCloseWindow = config.passiveHealthOptions().isEnabled()
        ? config.passiveHealthOptions().getEarlyCloseWindow().toNanos() : 0;
    this.connector = new UpstreamConnector(registry, monitor, config.options().getMaxConnectAttempts(),
        earlyCloseWindow);
    for (Backend backend : config.backends()) {
      configured.add(registry.add(newState(backend)));
    }
    this.discovered = new DiscoveredBackends(config.backends(), config.discovery(), this::applyDiscovered);
  }

  private BackendStateImpl newState(Backend backend) {
    return new BackendStateImpl(backend, monitor.initialHealth(), false);
  }

  @Override
  public Future<Void> start() {
    Promise<Void> starting = Promise.promise();
    synchronized (this) {
      if (closed != null) {
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
    int port = options.getPort() == 0 ? -EPHEMERAL_GROUPS.incrementAndGet() : options.getPort();
    int instances = options.getEventLoops();
    return vertx.deployVerticle(() -> {
          TcpServerVerticle server = new TcpServerVerticle(options, port, connector);
          servers.add(server);
          return server;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          synchronized (this) {
            deploymentId = id;
          }
          actualPort = servers.get(0).actualPort();
          log.info("listening on {}:{} with {} event loop(s), {} transport; balancer {}, backends {}",
              options.getHost(), actualPort, instances, vertx.isNativeTransportEnabled() ? "native" : "NIO",
              config.balancer(), registry.states());
          return null;
        });
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
    return applyUpdate(desired, wanted, config.options().getDrainTimeout());
  }

  private synchronized boolean isClosed() {
    return closed != null;
  }

  private static <T> Future<T> closedFailure() {
    return Future.failedFuture(new IllegalStateException("proxy closed"));
  }

  @Override
  public synchronized Future<Void> close() {
    if (closed == null) {
      discovered.close();
      monitor.close();
      Future<Void> afterStart = started == null ? Future.succeededFuture()
          : started.transform(ar -> Future.<Void>succeededFuture());
      closed = afterStart.compose(v -> undeploy()).transform(ar -> Future.<Void>succeededFuture());
    }
    return closed;
  }

  private synchronized Future<Void> undeploy() {
    return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
  }
}
