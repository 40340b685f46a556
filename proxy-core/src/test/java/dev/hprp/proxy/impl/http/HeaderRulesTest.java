package dev.hprp.proxy.impl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import java.util.Map;
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
  void leavesOutConnectionAndWhatItNames() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Connection", "close, X-A").add("Connection", "X-B")
        .add("X-A", "1").add("x-b", "2").add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked")
        .add("Upgrade", "websocket").add("TE", "trailers").add("Trailer", "X-T").add("Proxy-Connection", "close")
        .add("X-Kept", "3").add("Expect", "100-continue").add("x-kept", "4");
    MultiMap response = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.copyEndToEnd(headers, response, false);
    assertThat(response.entries()).extracting(Map.Entry::getKey, Map.Entry::getValue)
        .containsExactly(tuple("X-Kept", "3"), tuple("Expect", "100-continue"), tuple("x-kept", "4"));
    MultiMap request = HttpHeaders.headers(); // the kind Vert.x's HTTP messages carry, read without copies
    HeaderRules.copyEndToEnd(headers, request, true);
    assertThat(request.getAll("x-kept")).as("a request drops Expect, the proxy's to answer").containsExactly("3", "4");
    assertThat(request.names()).containsExactly("X-Kept");
    MultiMap plain = MultiMap.caseInsensitiveMultiMap();
    HeaderRules.copyEndToEnd(HttpHeaders.headers().add("Connection", "keep-alive").add("Accept", "*/*"), plain, true);
    assertThat(plain.names()).containsExactly("Accept");
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
