package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyProtocolFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    ProxyProtocolOptions options = Flags.settings("--send-proxy", "v1", "--check-send-proxy", "--accept-proxy",
        "--trusted-proxies", "10.0.0.0/8,2001:db8::/32,192.0.2.7").proxyProtocol();

    assertThat(options.getSend()).isEqualTo(ProxyProtocolVersion.V1);
    assertThat(options.isSendToHealthChecks()).isTrue();
    assertThat(options.isAccept()).isTrue();
    assertThat(options.getTrustedProxies()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.7");
  }

  @Test
  void offByDefaultAndLoopbackTrusted() {
    ProxyProtocolOptions options = Flags.settings().proxyProtocol();

    assertThat(options.getSend()).isEqualTo(ProxyProtocolVersion.NONE);
    assertThat(options.isAccept()).isFalse();
    assertThat(options.getTrustedProxies()).isEqualTo(List.of("127.0.0.0/8", "::1/128"));
    assertThat(Flags.help()).contains("Default: none.", "Default: 127.0.0.0/8,::1/128.");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--send-proxy|v3|'v3' (expected one of: none, v1, v2)",
      "--trusted-proxies|10.0.0.0/33|'10.0.0.0/33' (expected: a prefix length 0-32 after the /)",
      "--trusted-proxies|lb.example.com|'lb.example.com' (expected: an IP address or CIDR block"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }
}
