package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.Ranges;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link BackendDiscovery#dns} and {@link BackendDiscovery#srv} sources resolve: which DNS servers they ask, how
 * often, and how they treat an empty answer. Plain data, validated by each setter.
 *
 * <p>Not thread-safe: configure on one thread, then hand to a factory, which copies it. Every default is a
 * {@code DEFAULT_*} constant; setters return {@code this} and throw {@link IllegalArgumentException} with a message
 * like {@code minRefresh: 0ms (expected: 10ms-1h)} (see {@link Ranges}).
 *
 * <pre>{@code
 * new DnsDiscoveryOptions().setMaxRefresh(Duration.ofSeconds(10)).setAllowEmpty(true)
 * }</pre>
 */
public final class DnsDiscoveryOptions {

  /** Envoy's and CoreDNS's usual floor: no name is asked more than once a second, however low its TTL. */
  public static final Duration DEFAULT_MIN_REFRESH = Duration.ofSeconds(1);
  /** However long a record's TTL, a change is seen within half a minute (Kubernetes' CoreDNS answers with 5 s). */
  public static final Duration DEFAULT_MAX_REFRESH = Duration.ofSeconds(30);
  /** How long an empty answer must last before it removes the backends of a source that had some. */
  public static final Duration DEFAULT_EMPTY_GRACE = Duration.ofSeconds(30);
  /** Netty's and glibc's usual wait for one DNS server's answer. */
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);
  /** The DNS port, for a server given without one. */
  public static final int DEFAULT_DNS_PORT = 53;

  private List<InetSocketAddress> servers = List.of();
  private Duration minRefresh = DEFAULT_MIN_REFRESH;
  private Duration maxRefresh = DEFAULT_MAX_REFRESH;
  private Duration emptyGrace = DEFAULT_EMPTY_GRACE;
  private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
  private boolean allowEmpty;

  /** Options holding every default. */
  public DnsDiscoveryOptions() {
  }

  /** A copy of {@code other}; never null. */
  public DnsDiscoveryOptions(DnsDiscoveryOptions other) {
    this.servers = other.servers;
    this.minRefresh = other.minRefresh;
    this.maxRefresh = other.maxRefresh;
    this.emptyGrace = other.emptyGrace;
    this.queryTimeout = other.queryTimeout;
    this.allowEmpty = other.allowEmpty;
  }

  /**
   * The DNS servers asked, in order (the next one when one fails to answer); empty (the default) for those of the
   * system ({@code /etc/resolv.conf}, with its search domains and {@code ndots}). Immutable.
   */
  public List<InetSocketAddress> getServers() {
    return servers;
  }

  /**
   * Sets the DNS servers asked, IP addresses with their ports; empty for the system's.
   *
   * @throws IllegalArgumentException when one is unresolved (a name rather than an IP address)
   */
  public DnsDiscoveryOptions setServers(List<InetSocketAddress> servers) {
    Objects.requireNonNull(servers, "servers");
    for (InetSocketAddress server : servers) {
      if (Objects.requireNonNull(server, "server").isUnresolved()) {
        throw new IllegalArgumentException("dnsServers: " + server.getHostString()
            + " is not an IP address (expected: host:port with an IP address, such as 10.96.0.10:53)");
      }
    }
    this.servers = List.copyOf(servers);
    return this;
  }

  /**
   * Parses DNS servers written {@code host[:port],...}: IP addresses, IPv6 in brackets when a port follows
   * ({@code [fd00::10]:53}), port {@value #DEFAULT_DNS_PORT} when none is given.
   *
   * @throws IllegalArgumentException naming the faulty server, or the empty list
   */
  public static List<InetSocketAddress> parseServers(String text) {
    Objects.requireNonNull(text, "text");
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      servers.add(parseServer(item.strip()));
    }
    return List.copyOf(servers);
  }

  private static InetSocketAddress parseServer(String item) {
    String host = item;
    String port = null;
    if (item.startsWith("[")) {
      int close = item.indexOf(']');
      host = close < 0 ? item : item.substring(1, close);
      String rest = close < 0 ? "" : item.substring(close + 1);
      if (close < 0 || !(rest.isEmpty() || rest.startsWith(":"))) {
        throw badServer(item);
      }
      port = rest.isEmpty() ? null : rest.substring(1);
    } else if (item.indexOf(':') == item.lastIndexOf(':') && item.indexOf(':') >= 0) {
      host = item.substring(0, item.indexOf(':'));
      port = item.substring(item.indexOf(':') + 1);
    }
    byte[] address = NetUtil.createByteArrayFromIpAddressString(host);
    if (address == null) {
      throw badServer(item);
    }
    int number = DEFAULT_DNS_PORT;
    if (port != null) {
      if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw badServer(item);
      }
      number = Integer.parseInt(port);
      if (number < 1 || number > 65535) {
        throw badServer(item);
      }
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(address), number);
    } catch (UnknownHostException e) {
      throw badServer(item); // only for an address of a bad length, which the parser never returns
    }
  }

  private static IllegalArgumentException badServer(String item) {
    return new IllegalArgumentException("dnsServers: '" + item + "' (expected: an IP address and an optional port, "
        + "such as 10.96.0.10, 127.0.0.1:5353 or [fd00::10]:53)");
  }

  /** The shortest time between two resolutions of a name, whatever its TTL; default 1 s. */
  public Duration getMinRefresh() {
    return minRefresh;
  }

  /** Sets the shortest time between two resolutions, 10 ms to 1 hour. */
  public DnsDiscoveryOptions setMinRefresh(Duration minRefresh) {
    this.minRefresh = Ranges.check("minRefresh", minRefresh, Duration.ofMillis(10), Duration.ofHours(1));
    return this;
  }

  /**
   * The longest time between two resolutions of a name, whatever its TTL; default 30 s. Also the longest wait between
   * retries after failures, which start at {@link #getMinRefresh()} and double.
   */
  public Duration getMaxRefresh() {
    return maxRefresh;
  }

  /** Sets the longest time between two resolutions, 10 ms to 1 day; not below the minimum (the factories check). */
  public DnsDiscoveryOptions setMaxRefresh(Duration maxRefresh) {
    this.maxRefresh = Ranges.check("maxRefresh", maxRefresh, Duration.ofMillis(10), Duration.ofDays(1));
    return this;
  }

  /**
   * How long a name that had addresses must answer with none (an empty answer) before its backends are removed;
   * default 30 s. Until then the last addresses are kept, so a registry briefly empty during a redeploy does not
   * empty the proxy.
   */
  public Duration getEmptyGrace() {
    return emptyGrace;
  }

  /** Sets the empty-answer grace, 0 (remove at once) to 1 day. */
  public DnsDiscoveryOptions setEmptyGrace(Duration emptyGrace) {
    this.emptyGrace = Ranges.check("emptyGrace", emptyGrace, Duration.ZERO, Duration.ofDays(1));
    return this;
  }

  /** How long one DNS server may take to answer one query before it counts as a timeout; default 5 s. */
  public Duration getQueryTimeout() {
    return queryTimeout;
  }

  /** Sets the query timeout, 10 ms to 1 minute. */
  public DnsDiscoveryOptions setQueryTimeout(Duration queryTimeout) {
    this.queryTimeout = Ranges.check("queryTimeout", queryTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
    return this;
  }

  /**
   * Whether a source may start with no backend: a name that does not exist (NXDOMAIN), answers empty or cannot be
   * resolved at start-up then gives no backend and is retried, instead of failing the proxy's start; default false.
   */
  public boolean isAllowEmpty() {
    return allowEmpty;
  }

  /** Sets whether a source may start with no backend. */
  public DnsDiscoveryOptions setAllowEmpty(boolean allowEmpty) {
    this.allowEmpty = allowEmpty;
    return this;
  }

  /**
   * Checks the rule that spans settings: the maximum refresh not below the minimum.
   *
   * @throws IllegalArgumentException naming both
   */
  void checkRefreshRange() {
    if (maxRefresh.compareTo(minRefresh) < 0) {
      throw new IllegalArgumentException("maxRefresh: " + Durations.format(maxRefresh) + " (expected: at least "
          + "minRefresh, " + Durations.format(minRefresh) + ")");
    }
  }

  @Override
  public String toString() {
    return "DnsDiscoveryOptions{servers=" + (servers.isEmpty() ? "system" : servers) + ", minRefresh="
        + Durations.format(minRefresh) + ", maxRefresh=" + Durations.format(maxRefresh) + ", emptyGrace="
        + Durations.format(emptyGrace) + ", queryTimeout=" + Durations.format(queryTimeout) + ", allowEmpty="
        + allowEmpty + "}";
  }
}
