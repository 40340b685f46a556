package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.balancer.Balancer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BackendFlagsTest {

  @Test
  void backendsAreParsedInOrderWithWeights() {
    Settings settings = Flags.settings("--backends", "10.0.0.1:3001:2,[::1]:3002");

    assertThat(settings.backends()).containsExactly(new Backend("10.0.0.1", 3001, 2), new Backend("::1", 3002));
    assertThat(settings.demo()).isFalse();
  }

  @Test
  void demoTakesNoBackendsAndProbesItsHealthPath() {
    Settings settings = Flags.settings("--demo");

    assertThat(settings.demo()).isTrue();
    assertThat(settings.backends()).isEmpty();
    assertThat(settings.healthCheck().text()).isEqualTo("http:/health");
  }

  @Test
  void demoKeepsAHealthCheckGivenExplicitly() {
    assertThat(Flags.settings("--demo", "--health-check", "tcp").healthCheck().text()).isEqualTo("tcp");
  }

  static List<String> balancerNames() {
    List<String> names = new ArrayList<>();
    new BalancerConverter().forEach(names::add);
    return names;
  }

  @ParameterizedTest
  @MethodSource("balancerNames")
  void eachBalancerIsChosenByName(String name) {
    assertThat(Flags.settings("--balancer", name).balancer()).hasToString(name);
  }

  @Test
  void roundRobinByDefault() {
    assertThat(Flags.settings().balancer()).hasToString(Balancer.roundRobin().toString());
    assertThat(Flags.help()).contains("Default: round-robin.");
  }

  @Test
  void badValuesExitWith2NamingTheFlag() {
    assertThat(Flags.refusal("--backends", "a:1,a:1")).isEqualTo("a:1 is listed twice");
    assertThat(Flags.refusal("--balancer", "fastest")).startsWith("'fastest' (expected one of: round-robin, ");
    assertThat(Flags.usageError("--demo", "--backends", "127.0.0.1:1"))
        .contains("--backends cannot be used with --demo");
  }
}
