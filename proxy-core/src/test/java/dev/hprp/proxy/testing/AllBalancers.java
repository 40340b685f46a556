package dev.hprp.proxy.testing;

import dev.hprp.proxy.balancer.Balancer;
import java.util.stream.Stream;

/**
 * Every built-in balancer, for end-to-end tests that must hold whichever strategy places connections:
 * {@code @ParameterizedTest @MethodSource("dev.hprp.proxy.testing.AllBalancers#all")}.
 */
public final class AllBalancers {

  private AllBalancers() {
  }

  /** One of each built-in; their {@code toString()} names the parameterised case. */
  public static Stream<Balancer> all() {
    return Stream.of(Balancer.roundRobin(), Balancer.leastConnections(), Balancer.random(),
        Balancer.powerOfTwoChoices(), Balancer.consistentHash());
  }
}
