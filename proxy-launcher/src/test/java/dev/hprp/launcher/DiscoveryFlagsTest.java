package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiscoveryFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    Settings settings = Flags.settings("--dns-server", "10.96.0.10,127.0.0.1:5353,[fd00::10]:53",
        "--dns-min-refresh", "500ms", "--dns-max-refresh", "10s", "--dns-empty-grace", "0ms", "--dns-allow-empty",
        "--drain-timeout", "2m");
    DnsDiscoveryOptions dns = settings.dns();

    assertThat(dns.getServers()).extracting(InetSocketAddress::getHostString, InetSocketAddress::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("10.96.0.10", 53),
            org.assertj.core.groups.Tuple.tuple("127.0.0.1", 5353),
            org.assertj.core.groups.Tuple.tuple("fd00:0:0:0:0:0:0:10", 53));
    assertThat(dns.getMinRefresh()).isEqualTo(Duration.ofMillis(500));
    assertThat(dns.getMaxRefresh()).isEqualTo(Duration.ofSeconds(10));
    assertThat(dns.getEmptyGrace()).isZero();
    assertThat(dns.isAllowEmpty()).isTrue();
    assertThat(settings.options().getDrainTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void withoutFlagsEverySettingIsTheCoreDefault() {
    Settings settings = Flags.settings();

    assertThat(settings.dns()).usingRecursiveComparison().isEqualTo(new DnsDiscoveryOptions());
    assertThat(settings.options().getDrainTimeout()).isEqualTo(ReverseProxyOptions.DEFAULT_DRAIN_TIMEOUT);
  }

  @Test
  void helpShowsTheCoreDefaults() {
    assertThat(Flags.help()).contains("--dns-server=HOST[:PORT],...",
        "--dns-min-refresh=DURATION", "10ms-1h. Default: 1s.",
        "--dns-max-refresh=DURATION", "not below --dns-min-refresh. Default: 30s.",
        "--dns-empty-grace=DURATION", "never removes them. Default: 30s.",
        "--dns-allow-empty", "--drain-timeout=DURATION", "0ms-7d. Default: 30s.");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--dns-server|dns.example.com|'dns.example.com' (expected: an IP address and an optional port",
      "--dns-server|10.0.0.1:0|'10.0.0.1:0' (expected: an IP address",
      "--dns-server|10.0.0.1,,10.0.0.2|'' (expected: an IP address",
      "--dns-server|fd00::10:53:x|'fd00::10:53:x' (expected",
      "--dns-min-refresh|5ms|5ms (expected: 10ms-1h)",
      "--dns-max-refresh|2d|2d (expected: 10ms-1d)",
      "--dns-max-refresh|500ms|500ms (expected: at least --dns-min-refresh, 1s)",
      "--dns-min-refresh|1m|1m (expected: at most --dns-max-refresh, 30s)",
      "--dns-empty-grace|-1s|'-1s' is not a duration",
      "--drain-timeout|8d|8d (expected: 0ms-7d)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }
}
