package dev.hprp.launcher;

import dev.hprp.proxy.balancer.Balancer;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What is balanced over and how: the backends (or the demo's) and the balancer. Collects the flags' values;
 * {@link HprpCommand#settings()} applies them.
 */
final class BackendFlags {

  static final String BACKENDS = "--backends";
  static final String DEMO = "--demo";
  static final String BALANCER = "--balancer";

  /** The balancer when {@code --balancer} is not given: the builder's own default. */
  static final Balancer DEFAULT_BALANCER = Balancer.roundRobin();

  /** What {@code --help} shows for each flag not given. */
  static final Map<String, String> DEFAULTS = Map.of(BALANCER, DEFAULT_BALANCER.toString());

  /** As written: parsed, and refused naming the flag, where the other flags are applied. */
  @Option(names = BACKENDS, order = 20, paramLabel = "ENTRY,...",
      description = "Backends to balance over, comma-separated, each HOST:PORT[:WEIGHT] (IPv6 in brackets: "
          + "[::1]:3001), dns:NAME:PORT (every A and AAAA address of NAME, kept current) or srv:NAME (SRV records: targets, ports, "
          + "weights, priorities). Required unless --demo.")
  String backends;

  @Option(names = DEMO, order = 21,
      description = "Start three demo HTTP backends on 127.0.0.1 and proxy to them (health check http:/health).")
  boolean demo;

  @Option(names = BALANCER, order = 22, paramLabel = "NAME", converter = BalancerConverter.class,
      completionCandidates = BalancerConverter.class,
      description = "How to pick a backend per connection: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  Balancer balancer;
}
