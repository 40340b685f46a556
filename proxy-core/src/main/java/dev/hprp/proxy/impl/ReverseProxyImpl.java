package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: a backend registry, a health monitor, and one {@link ProxyServerVerticle} per event loop.
 *
 * <p>Start and close are each done once; {@code synchronized} only guards those transitions, never the relay.
 */
public final class ReverseProxyImpl implements ReverseProxy {

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
  private final List<ProxyServerVerticle> servers = new CopyOnWriteArrayList<>();
  private Future<Void> started;
  private Future<Void> closed;
  private volatile int actualPort = -1;
  private String deploymentId;

  /** Called by the builder with a validated configuration. */
  public ReverseProxyImpl(Vertx vertx, ProxyConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.registry = new BackendRegistry(config.backends(), config.balancer());
    this.monitor = new HealthMonitor(vertx, registry, config);
  }

  @Override
  public synchronized Future<Void> start() {
    if (closed != null) {
      return Future.failedFuture(new IllegalStateException("proxy closed"));
    }
    if (started == null) {
      started = monitor.start().compose(v -> deploy());
    }
    return started;
  }

  private Future<Void> deploy() {
    ReverseProxyOptions options = config.options();
    int port = options.getPort() == 0 ? -EPHEMERAL_GROUPS.incrementAndGet() : options.getPort();
    int instances = options.getEventLoops();
    return vertx.deployVerticle(() -> {
          ProxyServerVerticle server = new ProxyServerVerticle(options, port, registry, monitor);
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
              config.balancer(), config.backends());
          return null;
        });
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
  public synchronized Future<Void> close() {
    if (closed == null) {
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
