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
 * A started proxy and the {@code Vertx} the launcher created for it. Thread-safe; {@link #close()} does its work
 * once, whoever calls it first (the shutdown hook, or the command after a test's serving returns).
 */
final class RunningProxy {

  /** How long each of the proxy and Vert.x may take to close before the launcher gives up waiting on it. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(RunningProxy.class);

  private final Vertx vertx;
  private final ReverseProxy proxy;
  /** Null without a config file. */
  private final Reloader reloader;
  private Boolean closedCleanly;

  RunningProxy(Vertx vertx, ReverseProxy proxy) {
    this(vertx, proxy, null);
  }

  RunningProxy(Vertx vertx, ReverseProxy proxy, Reloader reloader) {
    this.vertx = vertx;
    this.proxy = proxy;
    this.reloader = reloader;
  }

  /**
   * Reads the config file again and applies what changed (SIGHUP); see {@link Reloader}. Any thread but an event loop.
   *
   * @return the line logged: what was applied, kept or refused
   */
  String reload() {
    if (reloader == null) {
      String line = "reload asked, but there is no --config file to read: nothing changed";
      log.warn(line);
      return line;
    }
    return reloader.reload();
  }

  ReverseProxy proxy() {
    return proxy;
  }

  /** The port listened on (the ephemeral one for {@code --port 0}). */
  int port() {
    return proxy.actualPort();
  }

  /**
   * Closes the proxy, then Vert.x (and with it the demo backends), waiting at most {@link #CLOSE_TIMEOUT} for each.
   *
   * @return whether both closed within their time
   */
  synchronized boolean close() {
    if (closedCleanly == null) {
      // Proxy first: it undeploys its servers and stops health checks while Vert.x can still run them.
      closedCleanly = await("proxy", proxy.close()) & await("Vert.x", vertx.close());
    }
    return closedCleanly;
  }

  private static boolean await(String what, Future<Void> closing) {
    try {
      closing.await(CLOSE_TIMEOUT);
      return true;
    } catch (TimeoutException e) {
      log.warn("{} did not close within {}", what, Durations.format(CLOSE_TIMEOUT));
      return false;
    }
  }
}
