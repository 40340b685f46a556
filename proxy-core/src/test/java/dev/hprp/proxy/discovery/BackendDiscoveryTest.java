package dev.hprp.proxy.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code --backends} syntax with DNS entries, and the DNS options' checks. */
class BackendDiscoveryTest {

  private static final DnsDiscoveryOptions OPTIONS = new DnsDiscoveryOptions();

  private static List<String> parsed(String specs) {
    return BackendDiscovery.parseList(specs, OPTIONS).stream().map(Object::toString).toList();
  }

  @Test
  void fixedEntriesMakeOneSourceAtThePlaceOfTheFirst() {
    assertThat(parsed(" srv:_http._tcp.api.test , 10.0.0.1:80:2,dns:web.test:8080,[::1]:81"))
        .containsExactly("srv:_http._tcp.api.test", "10.0.0.1:80:2,[::1]:81", "dns:web.test:8080");
  }

  @Test
  void aHostNamedDnsOrSrvIsAFixedBackend() {
    assertThat(parsed("dns:3001,srv:3002:2")).containsExactly("dns:3001,srv:3002:2");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "dns:web.test         | backend 'dns:web.test': missing ':PORT' (expected: dns:NAME:PORT)",
      "dns:web.test:        | backend 'dns:web.test:': port '' is not a number (expected: dns:NAME:PORT, PORT 1-65535)",
      "dns:web.test:0       | backend 'dns:web.test:0': port 0 out of range (expected: 1-65535)",
      "dns:web.test:80:2    | backend 'dns:web.test:80:2': 'web.test:80' is not a DNS name (expected: dot-separated labels of letters, digits, '-' and '_', such as backend.default.svc.cluster.local)",
      "dns:10.0.0.1:80      | backend 'dns:10.0.0.1:80': '10.0.0.1' is an IP address (expected: a DNS name; give a fixed backend as host:port)",
      "srv:                 | backend 'srv:': '' is not a DNS name (expected: dot-separated labels of letters, digits, '-' and '_', such as backend.default.svc.cluster.local)",
      "srv:a..b             | backend 'srv:a..b': 'a..b' is not a DNS name (expected: dot-separated labels of letters, digits, '-' and '_', such as backend.default.svc.cluster.local)",
      "dns:a.test:1,dns:a.test:1 | backends: dns:a.test:1 is listed twice",
      "a:1,dns:b.test:1,a:1 | backends: a:1 is listed twice",
      "a:1,,dns:b.test:1    | backends: 'a:1,,dns:b.test:1' has an empty item (expected: host:port[:weight], dns:NAME:PORT or srv:NAME, comma-separated)",
  })
  void refusesMalformedEntriesNamingThem(String specs, String message) {
    assertThatThrownBy(() -> BackendDiscovery.parseList(specs, OPTIONS)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void refusesAMaximumRefreshBelowTheMinimum() {
    DnsDiscoveryOptions options = new DnsDiscoveryOptions().setMinRefresh(Duration.ofSeconds(5))
        .setMaxRefresh(Duration.ofSeconds(1));

    assertThatThrownBy(() -> BackendDiscovery.dns("a.test", 80, options))
        .hasMessage("maxRefresh: 1s (expected: at least minRefresh, 5s)");
  }

  @Test
  void parsesDnsServersWithDefaultPortAndIpv6InBrackets() {
    assertThat(DnsDiscoveryOptions.parseServers("10.96.0.10, 127.0.0.1:5353,[fd00::10]:54,fd00::11"))
        .extracting(InetSocketAddress::getHostString, InetSocketAddress::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("10.96.0.10", 53),
            org.assertj.core.groups.Tuple.tuple("127.0.0.1", 5353),
            org.assertj.core.groups.Tuple.tuple("fd00:0:0:0:0:0:0:10", 54),
            org.assertj.core.groups.Tuple.tuple("fd00:0:0:0:0:0:0:11", 53));
  }

  @Test
  void refusesDnsServersThatAreNotAddresses() {
    for (String bad : List.of("", "dns.test", "10.0.0.1:x", "10.0.0.1:65536", "[fd00::1", "[fd00::1]x", "10.0.0.1,")) {
      assertThatThrownBy(() -> DnsDiscoveryOptions.parseServers(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dnsServers: '")
          .hasMessageContaining("(expected: an IP address and an optional port");
    }
    assertThatThrownBy(() -> new DnsDiscoveryOptions().setServers(List.of(InetSocketAddress.createUnresolved("a", 1))))
        .hasMessageStartingWith("dnsServers: a is not an IP address");
  }

  @Test
  void optionSettersCheckTheirRanges() {
    DnsDiscoveryOptions options = new DnsDiscoveryOptions();
    assertThatThrownBy(() -> options.setMinRefresh(Duration.ofMillis(9))).hasMessage(
        "minRefresh: 9ms (expected: 10ms-1h)");
    assertThatThrownBy(() -> options.setMaxRefresh(Duration.ofDays(2))).hasMessage(
        "maxRefresh: 2d (expected: 10ms-1d)");
    assertThatThrownBy(() -> options.setEmptyGrace(Duration.ofMillis(-1))).hasMessage(
        "emptyGrace: -1ms (expected: 0ms-1d)");
    assertThatThrownBy(() -> options.setQueryTimeout(Duration.ofMinutes(2))).hasMessage(
        "queryTimeout: 2m (expected: 10ms-1m)");
  }

  @Test
  void srvWeightsFitTheBackendRangeKeepingTheirRatios() {
    assertThat(DnsLookup.scaledWeight(0, 10)).isEqualTo(1);
    assertThat(DnsLookup.scaledWeight(10, 256)).isEqualTo(10);
    assertThat(DnsLookup.scaledWeight(65535, 65535)).isEqualTo(256);
    assertThat(DnsLookup.scaledWeight(32768, 65535)).isEqualTo(128);
    assertThat(DnsLookup.scaledWeight(1, 65535)).isEqualTo(1);
  }
}
