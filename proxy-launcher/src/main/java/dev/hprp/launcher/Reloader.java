package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the config file again to the running proxy (SIGHUP): reads it with the same command line, validates every
 * value as a start would, then applies through the proxy's runtime API what may change live (backends and their
 * weights and limits, the connection limits and queue, the client timeout and connect attempts, active and passive
 * health settings, TLS termination's certificate, read again from its files) and reports the settings that need a
 * restart (listening address and port, event loops,
 * transport, balancer, connect and idle timeouts, turning active checks on or off), which keep their running values.
 * A file that does not read or validate changes nothing: its error is logged and the proxy serves on as it was.
 *
 * <p>Thread-safe: reloads are serialised. Blocks while the proxy takes the new settings, so call it off the event
 * loops (the signal thread).
 */
final class Reloader {

  private static final Logger log = LoggerFactory.getLogger(Reloader.class);

  private static final long APPLY_TIMEOUT_SECONDS = 30;

  private final List<String> args;
  /** The settings the proxy started with: what restart-only settings are compared to. */
  private final Settings started;
  private final ReverseProxy proxy;

  Reloader(List<String> args, Settings started, ReverseProxy proxy) {
    this.args = List.copyOf(args);
    this.started = started;
    this.proxy = proxy;
  }

  /**
   * Reloads once.
   *
   * @return the line logged: what was applied and what needs a restart, or why nothing was
   */
  synchronized String reload() {
    String file = started.configFile().orElse("(no file)");
    Settings next;
    try {
      next = HprpCommand.settingsFor(args.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      String line = "reload of " + file + " refused, the running configuration is kept: " + e.getMessage();
      log.error(line);
      return line;
    }
    // The certificate first: a file that does not make one refuses the whole reload, before anything changed.
    if (started.tls().isPresent() && next.tls().isPresent()) {
      try {
        proxy.updateTls(next.tls().get()).await(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        String line = "reload of " + file + " refused, the running configuration is kept: " + e.getMessage();
        log.error(line);
        return line;
      }
    }
    List<String> restart = new ArrayList<>();
    if (started.tls().isPresent() != next.tls().isPresent()) {
      restart.add("tls-cert");
    }
    if (!next.backendTls().map(Object::toString).equals(started.backendTls().map(Object::toString))) {
      restart.add("backend-tls");
    }
    if (next.transport() != started.transport()) {
      restart.add("transport");
    }
    if (!next.balancer().toString().equals(started.balancer().toString())) {
      restart.add("balancer");
    }
    if (next.demo() != started.demo()) {
      restart.add("demo");
    }
    AdminSettings admin = next.admin();
    AdminSettings startedAdmin = started.admin();
    if (!Objects.equals(admin.port(), startedAdmin.port()) || !admin.host().equals(startedAdmin.host())
        || !Objects.equals(admin.token(), startedAdmin.token())
        || admin.accessLog() != startedAdmin.accessLog()
        || !admin.drainTimeout().equals(startedAdmin.drainTimeout())) {
      restart.add("the admin flags");
    }
    if (!next.proxyProtocol().toString().equals(started.proxyProtocol().toString())) {
      restart.add("the PROXY protocol flags");
    }
    try {
      restart.addAll(proxy.reconfigure(next.options()).await(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS).stream()
          .map(Reloader::key).toList());
      proxy.updatePassiveHealth(next.passive()).await(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      boolean checking = started.healthCheck().check().isPresent();
      if (checking != next.healthCheck().check().isPresent()) {
        restart.add("health-check");
      } else if (checking) {
        proxy.updateHealthCheck(next.healthCheck().check().get(), next.health())
            .await(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
      Optional<List<Backend>> fixed = next.fixedBackends();
      if (fixed.isPresent() && started.fixedBackends().isPresent()) {
        // Added backends are in the registry when this returns, so their limits can be set; the removals drain on.
        proxy.updateBackends(fixed.get(), next.admin().drainTimeout()).onFailure(e ->
            log.error("reload of {}: updating the backends failed: {}", file, e.getMessage()));
      } else if (!next.demo() && !started.demo() && !next.backends().toString().equals(started.backends().toString())) {
        // DNS entries are sources the proxy was built with: they follow their names, not the file.
        restart.add("backends (with dns: or srv: entries)");
      }
      next.applyBackendLimits(proxy);
    } catch (Exception e) {
      String line = "reload of " + file + " failed part way: " + e.getMessage();
      log.error(line);
      return line;
    }
    String line = "reloaded " + file + ": backends " + (next.demo() ? "(demo)" : next.backends().stream()
        .map(Object::toString).collect(Collectors.joining(",")))
        + (restart.isEmpty() ? "" : "; changed but kept until a restart: " + String.join(", ", restart));
    log.info(line);
    return line;
  }

  /** The config file's key (the flag's name) of a core option's name: {@code eventLoops} is {@code event-loops}. */
  static String key(String optionName) {
    Objects.requireNonNull(optionName, "optionName");
    return optionName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }
}
