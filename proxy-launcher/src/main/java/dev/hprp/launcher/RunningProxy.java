package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started proxy, its admin endpoint (when on) and the {@code Vertx} the launcher created for them. Thread-safe;
 * {@link #drain()} and {@link #close()} do their work once, whoever calls first (the signal handling, or the command
 * after a test's serving returns).
 */
final class RunningProxy {

  /** How long each of the proxy and Vert.x may take to close before the launcher gives up waiting on it. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(RunningProxy.class);

  /**
   * What a drain came to.
   *
   * @param cut   connections still open at the deadline, closed then
   * @param clean whether the proxy and Vert.x closed within their time
   */
  record Drained(int cut, boolean clean) {
  }

  private final Vertx vertx;
  private final ReverseProxy proxy;
  private final Duration drainTimeout;
  private AdminServer admin;
  private int adminPort = -1;
  private AutoCloseable metrics;
  private Drained drained;
  /** Reads the config file again; null without one. */
  private volatile Reloader reloader;

  RunningProxy(Vertx vertx, ReverseProxy proxy, Duration drainTimeout) {
    this.vertx = vertx;
    this.proxy = proxy;
    this.drainTimeout = drainTimeout;
  }

  /** Sets what {@link #reload()} does: read the config file again and apply it. */
  void reloader(Reloader reloader) {
    this.reloader = reloader;
  }

  /**
   * Reads the config file again and applies what changed (SIGHUP, {@code POST /reload}); see {@link Reloader}. Any
   * thread but an event loop.
   *
   * @return the line logged: what was applied, kept or refused
   */
  String reload() {
    Reloader current = reloader;
    if (current == null) {
      String line = "reload asked, but there is no --config file to read: nothing changed";
      log.warn(line);
      return line;
    }
    return current.reload();
  }

  /** Whether {@link #reload()} has a config file to read. */
  boolean reloadable() {
    return reloader != null;
  }

  ReverseProxy proxy() {
    return proxy;
  }

  /** The port listened on (the ephemeral one for {@code --port 0}). */
  int port() {
    return proxy.actualPort();
  }

  /** The admin endpoint's port; -1 when it is off. */
  synchronized int adminPort() {
    return adminPort;
  }

  /** How long {@link #drain()} lets connections go on. */
  Duration drainTimeout() {
    return drainTimeout;
  }

  /** The admin endpoint, listening on {@code port}, and the metrics it serves, closed with the rest. */
  synchronized void admin(AdminServer server, int port, AutoCloseable binding) {
    this.admin = server;
    this.adminPort = port;
    this.metrics = binding;
  }

  /**
   * Drains the proxy for at most {@link #drainTimeout()} (it stops accepting at once; the admin endpoint answers
   * throughout, {@code /readyz} with 503), then closes the admin endpoint and Vert.x.
   */
  synchronized Drained drain() {
    if (drained == null) {
      int cut;
      boolean clean = true;
      try {
        cut = proxy.shutdown(drainTimeout).await(drainTimeout.plus(CLOSE_TIMEOUT));
      } catch (TimeoutException e) {
        log.warn("proxy did not close within {} of its drain timeout", Durations.format(CLOSE_TIMEOUT));
        cut = proxy.backends().stream().mapToInt(status -> status.activeConnections()).sum();
        clean = false;
      }
      drained = new Drained(cut, closeTheRest() & clean);
    }
    return drained;
  }

  /**
   * Closes the proxy at once, then the admin endpoint and Vert.x (and with it the demo backends), waiting at most
   * {@link #CLOSE_TIMEOUT} for each.
   *
   * @return whether all closed within their time
   */
  synchronized boolean close() {
    if (drained == null) {
      // Proxy first: it undeploys its servers and stops health checks while Vert.x can still run them.
      boolean proxyClosed = await("proxy", proxy.close());
      drained = new Drained(0, closeTheRest() & proxyClosed);
    }
    return drained.clean();
  }

  private boolean closeTheRest() {
    boolean clean = admin == null || await("admin endpoint", admin.close());
    if (metrics != null) {
      try {
        metrics.close();
      } catch (Exception e) {
        log.warn("metrics did not close", e);
      }
    }
    return await("Vert.x", vertx.close()) & clean;
  }

  private static boolean await(String what, Future<?> closing) {
    try {
      closing.await(CLOSE_TIMEOUT);
      return true;
    } catch (TimeoutException e) {
      log.warn("{} did not close within {}", what, Durations.format(CLOSE_TIMEOUT));
      return false;
    }
  }
}
