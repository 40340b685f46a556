package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Ports;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The connection journal: one record per relayed connection, saying what was tried and how it ended. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ConnectionJournalIT {

  private final BlockingQueue<ConnectionRecord> records = new LinkedBlockingQueue<>();
  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private void startProxy(Vertx vertx, List<Backend> backends, ReverseProxyOptions options) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends)
        .balancer(Balancer.roundRobin())
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .onConnection(records::add)
        .with(options.setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
  }

  private ConnectionRecord nextRecord() throws InterruptedException {
    ConnectionRecord record = records.poll(30, TimeUnit.SECONDS);
    assertThat(record).as("a record within 30 s").isNotNull();
    return record;
  }

  @Test
  void refusedConnectThenSuccessShowsBothAttempts(Vertx vertx) throws Exception {
    Backend refusing = Ports.refusingBackend();
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    startProxy(vertx, List.of(refusing, echo.backend()), new ReverseProxyOptions());

    try (Socket client = connect()) {
      client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(readExactly(client.getInputStream(), 5)).isEqualTo("hello");
    }

    ConnectionRecord record = nextRecord();
    assertThat(record.attempts()).hasSize(2);
    assertThat(record.attempts().get(0).backend()).isEqualTo(refusing);
    assertThat(record.attempts().get(0).failure()).isInstanceOf(ConnectException.class);
    assertThat(record.attempts().get(1).backend()).isEqualTo(echo.backend());
    assertThat(record.attempts().get(1).succeeded()).isTrue();
    assertThat(record.backend()).isEqualTo(echo.backend());
    assertThat(record.end()).isEqualTo(EndState.CLIENT_CLOSED);
    assertThat(record.bytesToBackend()).isEqualTo(5);
    assertThat(record.bytesFromBackend()).isEqualTo(5);
    assertThat(record.connectTime()).isNotNull().isLessThanOrEqualTo(record.firstByteTime());
    assertThat(record.firstByteTime()).isLessThanOrEqualTo(record.totalTime());
    assertThat(record.client().hostAddress()).isEqualTo("127.0.0.1");
    assertThat(record.request()).isNull();
  }

  @Test
  void noBackendAcceptingEndsRefusedWithEveryCause(Vertx vertx) throws Exception {
    Backend first = Ports.refusingBackend();
    Backend second = Ports.refusingBackend();
    startProxy(vertx, List.of(first, second), new ReverseProxyOptions());

    try (Socket client = connect()) {
      assertThat(client.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
    }

    ConnectionRecord record = nextRecord();
    assertThat(record.end()).isEqualTo(EndState.REFUSED);
    assertThat(record.backend()).isNull();
    assertThat(record.connectTime()).isNull();
    assertThat(record.attempts()).extracting(ConnectionRecord.Attempt::backend).containsExactly(first, second);
    assertThat(record.attempts()).allMatch(attempt -> attempt.failure() instanceof ConnectException);
  }

  @Test
  void silenceEndsWithIdleTimeout(Vertx vertx) throws Exception {
    TestBackend silent = TestBackend.start(vertx, TestBackend.Mode.UNRESPONSIVE).await();
    startProxy(vertx, List.of(silent.backend()), new ReverseProxyOptions().setIdleTimeout(Duration.ofMillis(200)));

    try (Socket client = connect()) {
      client.getOutputStream().write(1);
      assertThat(client.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
    }

    ConnectionRecord record = nextRecord();
    assertThat(record.end()).isEqualTo(EndState.IDLE_TIMEOUT);
    assertThat(record.bytesToBackend()).isEqualTo(1);
    assertThat(record.firstByteTime()).isNull();
    assertThat(record.totalTime()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
  }

  @Test
  void backendThatClosesEndsBackendClosed(Vertx vertx) throws Exception {
    TestBackend fixed = TestBackend.named(vertx, "answer").await();
    startProxy(vertx, List.of(fixed.backend()), new ReverseProxyOptions());

    try (Socket client = connect()) {
      client.getOutputStream().write("q".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("answer");
    }

    ConnectionRecord record = nextRecord();
    assertThat(record.end()).isEqualTo(EndState.BACKEND_CLOSED);
    assertThat(record.bytesFromBackend()).isEqualTo(6);
  }

  @Test
  void backendResetEndsBackendReset(Vertx vertx) throws Exception {
    // Reads the first bytes, then resets (SO_LINGER 0 close): the relay's backend socket fails.
    NetServer resetting = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setSoLinger(0))
        .connectHandler(socket -> socket.handler(data -> socket.close()));
    int port = resetting.listen(0).await().actualPort();
    startProxy(vertx, List.of(new Backend("127.0.0.1", port)), new ReverseProxyOptions());

    try (Socket client = connect()) {
      client.getOutputStream().write("boom".getBytes(StandardCharsets.US_ASCII));
      drain(client.getInputStream());
    }

    ConnectionRecord record = nextRecord();
    assertThat(record.end()).isEqualTo(EndState.BACKEND_RESET);
    assertThat(record.bytesToBackend()).isEqualTo(4);
    resetting.close().await();
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort());
    socket.setSoTimeout(30_000);
    return socket;
  }

  private static String readExactly(InputStream in, int n) throws IOException {
    return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
  }

  /** Reads until the end of the stream or a reset, whichever comes. */
  private static void drain(InputStream in) {
    try {
      in.readAllBytes();
    } catch (IOException reset) {
      // a reset passed on: as good as an end here
    }
  }
}
