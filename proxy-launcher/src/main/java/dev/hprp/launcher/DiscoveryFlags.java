package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How the {@code dns:} and {@code srv:} entries of {@code --backends} are resolved: which DNS servers, how often, and
 * what an empty answer does. Collects the flags' values; {@link HprpCommand#settings()} applies them.
 */
final class DiscoveryFlags {

  static final String DNS_SERVER = "--dns-server";
  static final String MIN_REFRESH = "--dns-min-refresh";
  static final String MAX_REFRESH = "--dns-max-refresh";
  static final String EMPTY_GRACE = "--dns-empty-grace";
  static final String ALLOW_EMPTY = "--dns-allow-empty";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      MIN_REFRESH, Durations.format(DnsDiscoveryOptions.DEFAULT_MIN_REFRESH),
      MAX_REFRESH, Durations.format(DnsDiscoveryOptions.DEFAULT_MAX_REFRESH),
      EMPTY_GRACE, Durations.format(DnsDiscoveryOptions.DEFAULT_EMPTY_GRACE));

  /** As written: parsed, and refused naming the flag, where the other flags are applied. */
  @Option(names = DNS_SERVER, order = 23, paramLabel = "HOST[:PORT],...",
      description = "DNS servers to ask for dns: and srv: backends, in order, instead of those of /etc/resolv.conf; "
          + "IP addresses, port 53 unless given, IPv6 in brackets with a port.")
  String dnsServers;

  @Option(names = MIN_REFRESH, order = 24, paramLabel = "DURATION",
      description = "Shortest time between two resolutions of a DNS backend entry, whatever its TTL; also the first "
          + "retry after a failure. 10ms-1h. Default: ${DEFAULT-VALUE}.")
  Duration minRefresh;

  @Option(names = MAX_REFRESH, order = 25, paramLabel = "DURATION",
      description = "Longest time between two resolutions, whatever the TTL; also the longest retry interval. "
          + "10ms-1d, not below --dns-min-refresh. Default: ${DEFAULT-VALUE}.")
  Duration maxRefresh;

  @Option(names = EMPTY_GRACE, order = 26, paramLabel = "DURATION",
      description = "How long a DNS entry that had addresses must answer empty before its backends are removed; "
          + "0ms-1d. A timeout, SERVFAIL or NXDOMAIN never removes them. Default: ${DEFAULT-VALUE}.")
  Duration emptyGrace;

  @Option(names = ALLOW_EMPTY, order = 27,
      description = "Start even when a DNS entry has no address yet (NXDOMAIN, empty or no answer); its backends join "
          + "when they appear. Without it, that stops the start (exit code 1).")
  boolean allowEmpty;
}
