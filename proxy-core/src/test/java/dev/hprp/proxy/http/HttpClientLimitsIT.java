package dev.hprp.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.testing.HttpBackend;
import dev.hprp.proxy.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a client may send in HTTP mode: heads too slow (408), too large (431), malformed (400), or framed two ways
 * (400, request smuggling); each answered and closed without reaching a backend, while other clients are served.
 */
@ExtendWith(VertxExtension.class)
class HttpClientLimitsIT {

  private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

  private HttpBackend backend;
  private ReverseProxy proxy;

  @BeforeEach
  void start(Vertx vertx) {
    backend = HttpBackend.named(vertx, "a").await();
    proxy = ReverseProxy.builder(vertx)
        .backend(backend.backend())
        .with(new ReverseProxyOptions().setMode(ProxyMode.HTTP).setHost("127.0.0.1").setPort(0))
        .http(new HttpOptions().setRequestHeaderTimeout(Duration.ofMillis(500)))
        .build();
    proxy.start().await();
  }

  @AfterEach
  void stop() {
    proxy.close().await();
  }

  private void othersAreServed() {
    try (RawHttp other = new RawHttp(proxy.actualPort())) {
      assertThat(other.send(GET).readResponse()).startsWith("HTTP/1.1 200").endsWith("a");
    }
  }

  @Test
  void answers408ToASlowHead() {
    try (RawHttp slow = new RawHttp(proxy.actualPort())) {
      slow.send("GET / HTTP/1.1\r\nHost: h\r\n");
      othersAreServed(); // while the slow one is still sending its head
      assertThat(slow.readResponse()).startsWith("HTTP/1.1 408");
      assertThat(slow.closedByPeer()).isTrue();
    }
    assertThat(backend.requests()).isEqualTo(1);
  }

  @Test
  void answers408ToAKeepAliveClientSlowWithItsSecondHead() {
    try (RawHttp slow = new RawHttp(proxy.actualPort())) {
      assertThat(slow.send(GET).readResponse()).startsWith("HTTP/1.1 200");
      slow.send("GET /second HTTP/1.1\r\nHo");
      assertThat(slow.readResponse()).startsWith("HTTP/1.1 408");
      assertThat(slow.closedByPeer()).isTrue();
    }
  }

  @Test
  void answers431ToAHeadOver16KiB() {
    refusedAndClosed("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "x".repeat(20 * 1024) + "\r\n\r\n", "431");
  }

  @Test
  void answers400ToAGarbageRequestLine() {
    try (RawHttp garbage = new RawHttp(proxy.actualPort())) {
      // No version could be read from the line, so the answer is an HTTP/1.0 one.
      assertThat(garbage.send("\u0001\u0002 HELLO THERE\r\n\r\n").readResponse()).matches("(?s)HTTP/1\\.[01] 400 .*");
      assertThat(garbage.closedByPeer()).isTrue();
    }
    othersAreServed();
    assertThat(backend.requests()).isEqualTo(1);
  }

  /** Sends {@code request}; it must be answered {@code status} and closed, never reach the backend. */
  private void refusedAndClosed(String request, String status) {
    try (RawHttp client = new RawHttp(proxy.actualPort())) {
      assertThat(client.send(request).readResponse()).startsWith("HTTP/1.1 " + status);
      assertThat(client.closedByPeer()).isTrue();
    }
    othersAreServed();
    assertThat(backend.requests()).isEqualTo(1);
  }

  @Test
  void answers400ToContentLengthWithTransferEncodingAndSmugglesNothing() {
    refusedAndClosed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n", "400");
    assertThat(backend.heads()).noneMatch(head -> head.contains("Transfer-Encoding"));
  }

  @Test
  void answers400ToConflictingContentLengths() {
    refusedAndClosed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello", "400");
  }
}
