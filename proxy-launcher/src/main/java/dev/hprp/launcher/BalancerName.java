package dev.hprp.launcher;

import dev.hprp.proxy.balancer.Balancer;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.TypeConversionException;

/** The values of {@code --balancer}, each naming one of the core's built-in strategies. */
enum BalancerName {
  ROUND_ROBIN("round-robin", Balancer::roundRobin);

  private final String cliName;
  private final Supplier<Balancer> factory;

  BalancerName(String cliName, Supplier<Balancer> factory) {
    this.cliName = cliName;
    this.factory = factory;
  }

  /** The name as written on the command line. */
  String cliName() {
    return cliName;
  }

  Balancer create() {
    return factory.get();
  }

  /** The value of {@code --balancer}; an unknown name fails with the list of known ones. */
  static BalancerName parse(String text) {
    return Arrays.stream(values())
        .filter(b -> b.cliName.equals(text.strip()))
        .findFirst()
        .orElseThrow(() -> new TypeConversionException("'" + text + "' (expected one of: " + names() + ")"));
  }

  static String names() {
    return Arrays.stream(values()).map(BalancerName::cliName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
