package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

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

    assertThat(settings.backends()).extracting(Object::toString).containsExactly("10.0.0.1:3001:2,[::1]:3002");
    assertThat(settings.demo()).isFalse();
  }

  @Test
  void dnsAndSrvEntriesMixWithFixedOnesInOrder() {
    Settings settings = Flags.settings("--backends",
        "dns:backend.default.svc.cluster.local:8080,10.0.0.1:3001,srv:_http._tcp.api.test,10.0.0.2:3001");

    assertThat(settings.backends()).extracting(Object::toString).containsExactly(
        "dns:backend.default.svc.cluster.local:8080", "10.0.0.1:3001,10.0.0.2:3001", "srv:_http._tcp.api.test");
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
    assertThat(Flags.refusal("--backends", "dns:a.test")).isEqualTo(
        "backend 'dns:a.test': missing ':PORT' (expected: dns:NAME:PORT)");
    assertThat(Flags.refusal("--backends", "dns:a.test:http")).isEqualTo(
        "backend 'dns:a.test:http': port 'http' is not a number (expected: dns:NAME:PORT, PORT 1-65535)");
    assertThat(Flags.refusal("--backends", "dns:10.0.0.1:80")).startsWith(
        "backend 'dns:10.0.0.1:80': '10.0.0.1' is an IP address (expected: a DNS name");
    assertThat(Flags.refusal("--backends", "srv:bad name")).startsWith(
        "backend 'srv:bad name': 'bad name' is not a DNS name");
    assertThat(Flags.refusal("--backends", "dns:a.test:80,dns:a.test:80")).isEqualTo("dns:a.test:80 is listed twice");
    assertThat(Flags.refusal("--balancer", "fastest")).startsWith("'fastest' (expected one of: round-robin, ");
    assertThat(Flags.usageError("--demo", "--backends", "127.0.0.1:1"))
        .contains("--backends cannot be used with --demo");
  }
}
