package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Backend;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A source of backends: finds the set the proxy should balance over and reports it, now and whenever it changes.
 * Give sources to {@link dev.hprp.proxy.ReverseProxyBuilder#discovery}; the proxy's backends are the union of what
 * every source reports, and each change of that union is applied as
 * {@link dev.hprp.proxy.ReverseProxy#updateBackends} does: new backends are health-checked before they get traffic
 * (when active checks are on), vanished ones are drained.
 *
 * <p>Built-ins: {@link #fixed} (a list that never changes, what {@link dev.hprp.proxy.ReverseProxyBuilder#backends}
 * sets), {@link #dns} (A and AAAA records, as Envoy's STRICT_DNS cluster) and {@link #srv} (SRV records, as
 * HAProxy's {@code server-template} with {@code _service._proto} names); {@link #parseList} reads the {@code hprp}
 * command's {@code --backends} syntax, which mixes them.
 *
 * <pre>{@code
 * ReverseProxy proxy = ReverseProxy.builder(vertx)
 *     .discovery(BackendDiscovery.parseList("dns:backend.default.svc.cluster.local:8080,10.0.0.9:8080",
 *         new DnsDiscoveryOptions()))
 *     .build();
 * }</pre>
 *
 * <p>An implementation of your own (an admin API, a registry's watch) calls {@link DiscoveryContext#update} with its
 * whole set each time it changes, from any thread. A source is started once, by the proxy's start, and closed once,
 * by its close.
 */
public interface BackendDiscovery {

  /**
   * Starts finding backends: reports the first set through {@code context} and keeps reporting changes until
   * {@link #close()}.
   *
   * @param context where to report; never null
   * @return completes once the first set was reported (the proxy listens only after every source's has); a failure
   *     (best a {@link DiscoveryException} naming the source) fails the proxy's start. Never null
   */
  Future<Void> start(DiscoveryContext context);

  /**
   * Stops finding backends: no report follows. The default does nothing, for sources with nothing running.
   *
   * @return completes when stopped; never fails, never null
   */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /**
   * A fixed set of backends.
   *
   * @param backends at least one, no address twice; copied
   * @throws IllegalArgumentException when empty or an address repeats
   */
  static BackendDiscovery fixed(List<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    if (backends.isEmpty()) {
      throw new IllegalArgumentException("backends: none (expected: at least one)");
    }
    Map<String, Backend> byId = new LinkedHashMap<>();
    for (Backend backend : backends) {
      if (byId.put(Objects.requireNonNull(backend, "backend").id(), backend) != null) {
        throw new IllegalArgumentException("backends: " + backend.id() + " is listed twice");
      }
    }
    return new FixedDiscovery(List.copyOf(backends));
  }

  /**
   * The A and AAAA records of {@code name}: each address a backend on {@code port} (weight 1), re-resolved as
   * {@code options} say. {@code toString()} is {@code dns:NAME:PORT}.
   *
   * @param name    a DNS name, looked up as written: no search domain is appended, so give the full name
   *                ({@code backend.default.svc.cluster.local})
   * @param port    1-65535
   * @param options copied
   * @throws IllegalArgumentException when the name is not a host name (or is an IP address), the port is out of
   *     range, or the options' maximum refresh is below their minimum
   */
  static BackendDiscovery dns(String name, int port, DnsDiscoveryOptions options) {
    String spec = "dns:" + name + ":" + port;
    checkName(spec, name);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("backend '" + spec + "': port " + port
          + " out of range (expected: 1-65535)");
    }
    return new DnsDiscovery(spec, name, port, checked(options));
  }

  /**
   * The SRV records of {@code name}: each target's addresses are backends on the record's port, with its priority
   * (only the lowest group with an eligible backend takes connections) and its weight (as it is up to
   * {@value Backend#MAX_WEIGHT}, else scaled within its priority group so the heaviest is
   * {@value Backend#MAX_WEIGHT}; 0 counts as 1). {@code toString()} is {@code srv:NAME}.
   *
   * @param name    the record's name, such as {@code _http._tcp.backend.default.svc.cluster.local}, looked up as
   *                written
   * @param options copied
   * @throws IllegalArgumentException when the name is not a DNS name, or the options' maximum refresh is below their
   *     minimum
   */
  static BackendDiscovery srv(String name, DnsDiscoveryOptions options) {
    String spec = "srv:" + name;
    checkName(spec, name);
    return new DnsDiscovery(spec, name, 0, checked(options));
  }

  /**
   * Parses the {@code hprp} command's {@code --backends} syntax: comma-separated entries, each {@code host:port} or
   * {@code host:port:weight} (as {@link Backend#parse}), {@code dns:NAME:PORT} or {@code srv:NAME}. The fixed
   * entries make one {@link #fixed} source, at the place of the first; each {@code dns:} and {@code srv:} entry is a
   * source with {@code options}.
   *
   * @param specs   such as {@code "dns:backend.default.svc.cluster.local:8080,10.0.0.9:8080:2"}
   * @param options for the DNS sources; copied
   * @return the sources, in order; immutable, never empty
   * @throws IllegalArgumentException naming the faulty entry, or an entry listed twice
   */
  static List<BackendDiscovery> parseList(String specs, DnsDiscoveryOptions options) {
    Objects.requireNonNull(specs, "specs");
    Objects.requireNonNull(options, "options");
    String expected = "(expected: host:port[:weight], dns:NAME:PORT or srv:NAME, comma-separated)";
    if (specs.isBlank()) {
      throw new IllegalArgumentException("backends: empty " + expected);
    }
    List<BackendDiscovery> sources = new ArrayList<>();
    Map<String, Backend> fixed = new LinkedHashMap<>();
    List<String> named = new ArrayList<>();
    int fixedAt = -1;
    for (String item : specs.split(",", -1)) {
      String entry = item.strip();
      if (entry.isEmpty()) {
        throw new IllegalArgumentException("backends: '" + specs + "' has an empty item " + expected);
      }
      BackendDiscovery source = parseDnsEntry(entry, options);
      if (source == null) {
        Backend backend = Backend.parse(entry);
        if (fixed.put(backend.id(), backend) != null) {
          throw new IllegalArgumentException("backends: " + backend.id() + " is listed twice");
        }
        fixedAt = fixedAt < 0 ? sources.size() : fixedAt;
      } else {
        if (named.contains(source.toString())) {
          throw new IllegalArgumentException("backends: " + source + " is listed twice");
        }
        named.add(source.toString());
        sources.add(source);
      }
    }
    if (fixedAt >= 0) {
      sources.add(fixedAt, fixed(List.copyOf(fixed.values())));
    }
    return List.copyOf(sources);
  }

  /**
   * A {@code dns:} or {@code srv:} entry as a source; null for anything else, which is a fixed backend. A host named
   * {@code dns} or {@code srv} stays a backend: {@code dns:3001} and {@code dns:3001:2} are its port and weight.
   */
  private static BackendDiscovery parseDnsEntry(String entry, DnsDiscoveryOptions options) {
    if (entry.startsWith("srv:")) {
      String name = entry.substring(4);
      if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9' || c == ':')) {
        return null;
      }
      return srv(name, options);
    }
    if (!entry.startsWith("dns:")) {
      return null;
    }
    String rest = entry.substring(4);
    int colon = rest.lastIndexOf(':');
    String name = colon < 0 ? rest : rest.substring(0, colon);
    if (name.isEmpty() || name.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    if (colon < 0) {
      throw new IllegalArgumentException("backend '" + entry + "': missing ':PORT' (expected: dns:NAME:PORT)");
    }
    String port = rest.substring(colon + 1);
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("backend '" + entry + "': port '" + port
          + "' is not a number (expected: dns:NAME:PORT, PORT 1-65535)");
    }
    return dns(name, Integer.parseInt(port), options);
  }

  private static void checkName(String spec, String name) {
    Objects.requireNonNull(name, "name");
    if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
      throw new IllegalArgumentException("backend '" + spec + "': '" + name
          + "' is an IP address (expected: a DNS name; give a fixed backend as host:port)");
    }
    try {
      new Backend(name, 1);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("backend '" + spec + "': '" + name + "' is not a DNS name (expected: "
          + "dot-separated labels of letters, digits, '-' and '_', such as backend.default.svc.cluster.local)");
    }
  }

  private static DnsDiscoveryOptions checked(DnsDiscoveryOptions options) {
    DnsDiscoveryOptions copy = new DnsDiscoveryOptions(Objects.requireNonNull(options, "options"));
    copy.checkRefreshRange();
    return copy;
  }
}
