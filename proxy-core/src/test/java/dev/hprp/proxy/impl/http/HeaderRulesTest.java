package dev.hprp.proxy.impl.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

class HeaderRulesTest {

  @Test
  void forwardedQuotesAndBracketsAnIpv6Client() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.addForwarded(headers, "2001:db8:cafe:0:0:0:0:17", "example.com", "http");
    assertThat(headers.get("Forwarded")).isEqualTo("for=\"[2001:db8:cafe:0:0:0:0:17]\";host=example.com;proto=http");
    assertThat(headers.get("X-Forwarded-For")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
  }

  @Test
  void forwardedAppendsAnElementAndQuotesAHostWithAPort() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Forwarded", "for=192.0.2.60;proto=https")
        .add("X-Forwarded-For", "203.0.113.9").add("X-Forwarded-Proto", "https");
    HeaderRules.addForwarded(headers, "127.0.0.1", "example.com:8080", "http");
    assertThat(headers.get("Forwarded"))
        .isEqualTo("for=192.0.2.60;proto=https, for=127.0.0.1;host=\"example.com:8080\";proto=http");
    assertThat(headers.get("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(headers.get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(headers.get("X-Forwarded-Host")).isEqualTo("example.com:8080");
  }

  @Test
  void withoutAHostForwardedNamesNone() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.addForwarded(headers, "10.0.0.7", null, "http");
    assertThat(headers.get("Forwarded")).isEqualTo("for=10.0.0.7;proto=http");
    assertThat(headers.contains("X-Forwarded-Host")).isFalse();
  }

  @Test
  void terminatedTlsIsHttpsInBoth() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.addForwarded(headers, "10.0.0.7", "example.com", "https");
    assertThat(headers.get("Forwarded")).isEqualTo("for=10.0.0.7;host=example.com;proto=https");
    assertThat(headers.get("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void removesConnectionAndWhatItNames() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Connection", "close, X-A").add("Connection", "X-B")
        .add("X-A", "1").add("X-B", "2").add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked")
        .add("Upgrade", "websocket").add("TE", "trailers").add("Trailer", "X-T").add("Proxy-Connection", "close")
        .add("X-Kept", "3");
    HeaderRules.removeHopByHop(headers);
    assertThat(headers.names()).containsExactly("X-Kept");
  }

  @Test
  void recognisesAWebSocketUpgradeAmongConnectionTokens() {
    assertThat(HeaderRules.isWebSocketUpgrade(MultiMap.caseInsensitiveMultiMap()
        .add("Upgrade", "WebSocket").add("Connection", "keep-alive, Upgrade"))).isTrue();
    assertThat(HeaderRules.isWebSocketUpgrade(MultiMap.caseInsensitiveMultiMap()
        .add("Upgrade", "websocket").add("Connection", "keep-alive"))).isFalse();
    assertThat(HeaderRules.isWebSocketUpgrade(MultiMap.caseInsensitiveMultiMap()
        .add("Upgrade", "h2c").add("Connection", "Upgrade"))).isFalse();
  }

  @Test
  void viaNamesTheVersionReceived() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Via", "1.1 edge");
    HeaderRules.addVia(headers, HttpVersion.HTTP_1_0);
    assertThat(headers.get("Via")).isEqualTo("1.1 edge, 1.0 hprp");
  }
}
