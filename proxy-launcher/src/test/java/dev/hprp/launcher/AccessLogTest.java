package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The access log's line, field by field, for a TCP connection and for an HTTP request. */
class AccessLogTest {

  private static final SocketAddress CLIENT = SocketAddress.inetSocketAddress(53412, "127.0.0.1");
  private static final Instant START = Instant.parse("2026-11-27T10:15:30.123456Z");
  private static final Backend REFUSING = new Backend("10.0.0.1", 3001);
  private static final Backend SERVING = new Backend("10.0.0.2", 3001);
  private static final List<ConnectionRecord.Attempt> ATTEMPTS = List.of(
      new ConnectionRecord.Attempt(REFUSING, Duration.ofMillis(1), new ConnectException("Connection \"refused\"")),
      new ConnectionRecord.Attempt(SERVING, Duration.ofNanos(204_000), null));

  private static ConnectionRecord record(EndState end, ConnectionRecord.Request request) {
    return new ConnectionRecord(CLIENT, START, ATTEMPTS, SERVING, 5, 512, Duration.ofNanos(1_204_000),
        Duration.ofNanos(1_950_000), Duration.ofNanos(15_322_000), end, request);
  }

  @Test
  void aTcpConnectionsLineHasElevenFields() {
    assertThat(AccessLog.line(record(EndState.CLIENT_CLOSED, null))).isEqualTo("2026-11-27T10:15:30.123Z "
        + "127.0.0.1:53412 10.0.0.2:3001 CLIENT_CLOSED 2 1.204 1.950 15.322 5 512 "
        + "\"10.0.0.1:3001 Connection 'refused'\"");
  }

  @Test
  void anHttpRequestsLineAddsMethodUriAndStatus() {
    String line = AccessLog.line(record(EndState.COMPLETED,
        new ConnectionRecord.Request("GET", "/items?page=2", 200)));
    assertThat(line).isEqualTo("2026-11-27T10:15:30.123Z 127.0.0.1:53412 10.0.0.2:3001 COMPLETED 2 1.204 1.950 "
        + "15.322 5 512 \"10.0.0.1:3001 Connection 'refused'\" GET \"/items?page=2\" 200");
  }

  @Test
  void anHttpRequestWithoutBackendOrAnswerHasDashesAndStatusZero() {
    ConnectionRecord record = new ConnectionRecord(CLIENT, START, List.of(), null, 0, 0, null, null,
        Duration.ofMillis(2), EndState.CLIENT_CLOSED, new ConnectionRecord.Request("POST", "/a\"b c\u0001", 0));
    assertThat(AccessLog.line(record)).isEqualTo("2026-11-27T10:15:30.123Z 127.0.0.1:53412 - CLIENT_CLOSED 0 - - "
        + "2.000 0 0 \"-\" POST \"/a%22b%20c%01\" 0");
  }
}
