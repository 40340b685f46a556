package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.testing.TestData;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The headers the proxy sends are byte for byte the specification's, as the fixtures in test-data/ write them. */
class ProxyHeadersTest {

  static byte[] fixture(String name) throws IOException {
    return Files.readAllBytes(TestData.dir().resolve("proxy-protocol").resolve(name));
  }

  @ParameterizedTest
  @CsvSource({
      "V1, 192.0.2.7, 198.51.100.1, v1-tcp4.bin",
      "V2, 192.0.2.7, 198.51.100.1, v2-tcp4.bin",
      "V1, 2001:db8::7, 2001:db8::1, v1-tcp6.bin",
      "V2, 2001:db8::7, 2001:db8::1, v2-tcp6.bin",
      "V1, 2001:db8:0:0:0:0:0:7, 2001:db8::1, v1-tcp6.bin"})
  void aRelayedClientsHeaderIsTheFixture(ProxyProtocolVersion version, String source, String destination,
      String fixture) throws IOException {
    ByteBuf header = ProxyHeaders.encode(ProxyHeaders.message(version,
        SocketAddress.inetSocketAddress(52000, source), SocketAddress.inetSocketAddress(8080, destination)));
    try {
      assertThat(ByteBufUtil.getBytes(header)).isEqualTo(fixture(fixture));
    } finally {
      header.release();
    }
  }

  @Test
  void aProbesHeaderIsLocalInV2AndUnknownInV1() throws IOException {
    assertThat(ProxyHeaders.local(ProxyProtocolVersion.V2)).isEqualTo(fixture("v2-local.bin"));
    assertThat(ProxyHeaders.local(ProxyProtocolVersion.V1)).isEqualTo(fixture("v1-unknown.bin"));
  }

  @Test
  void anIpv4ClientOfAnIpv6ListenerIsWrittenMappedAsTcp6() {
    ByteBuf header = ProxyHeaders.encode(ProxyHeaders.message(ProxyProtocolVersion.V1,
        SocketAddress.inetSocketAddress(52000, "192.0.2.7"), SocketAddress.inetSocketAddress(8080, "2001:db8::1")));
    try {
      assertThat(header.toString(java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 52000 8080\r\n");
    } finally {
      header.release();
    }
  }
}
