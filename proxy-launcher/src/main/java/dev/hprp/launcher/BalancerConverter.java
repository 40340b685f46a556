package dev.hprp.launcher;

import dev.hprp.proxy.balancer.Balancer;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of {@code --balancer}: the core's built-in balancers, each by the name its {@code toString()} gives.
 * Converts the flag's value, and lists the names for {@code --help}.
 */
final class BalancerConverter implements ITypeConverter<Balancer>, Iterable<String> {

  private static final List<Balancer> BUILT_INS = List.of(
      Balancer.roundRobin(),
      Balancer.leastConnections(),
      Balancer.random(),
      Balancer.powerOfTwoChoices(),
      Balancer.consistentHash());

  @Override
  public Balancer convert(String text) {
    return BUILT_INS.stream()
        .filter(b -> b.toString().equals(text.strip()))
        .findFirst()
        .orElseThrow(() -> new TypeConversionException("'" + text + "' (expected one of: " + names() + ")"));
  }

  @Override
  public Iterator<String> iterator() {
    return BUILT_INS.stream().map(Balancer::toString).iterator();
  }

  /** The names, comma-separated. */
  static String names() {
    return BUILT_INS.stream().map(Balancer::toString).collect(Collectors.joining(", "));
  }
}
