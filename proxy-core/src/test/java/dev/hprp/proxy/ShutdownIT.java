package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ReverseProxy#shutdown(Duration)}: stop accepting at once, let connections finish, cut the rest. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ShutdownIT {

  private final BlockingQueue<ConnectionRecord> records = new LinkedBlockingQueue<>();
  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private int start(Vertx vertx, TestBackend backend) {
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(backend.backend()))
        .onConnection(records::add)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(2))
        .build();
    proxy.start().await();
    assertThat(proxy.accepting()).isTrue();
    return proxy.actualPort();
  }

  @Test
  void openConnectionFinishesWhileNewOnesAreRefused(Vertx vertx) throws Exception {
    int port = start(vertx, TestBackend.start(vertx, TestBackend.Mode.ECHO).await());
    try (Socket open = connect(port)) {
      echo(open, 1);

      Future<Integer> shutdown = proxy.shutdown(Duration.ofSeconds(30));

      assertThat(proxy.accepting()).isFalse();
      assertThat(refusedOrReset(port)).as("a new client is turned away").isTrue();
      echo(open, 2); // still relayed
      assertThat(shutdown.isComplete()).isFalse();
      open.shutdownOutput();
      assertThat(open.getInputStream().read()).isEqualTo(-1);
      assertThat(shutdown.await()).as("connections cut").isZero();
    }
    ConnectionRecord record = records.poll(30, TimeUnit.SECONDS);
    assertThat(record).isNotNull();
    assertThat(record.end()).isEqualTo(EndState.CLIENT_CLOSED);
    assertThat(record.bytesToBackend()).isEqualTo(2);
  }

  @Test
  void connectionStillOpenAtTheDeadlineIsClosed(Vertx vertx) throws Exception {
    int port = start(vertx, TestBackend.start(vertx, TestBackend.Mode.ECHO).await());
    try (Socket open = connect(port)) {
      echo(open, 1);

      assertThat(proxy.shutdown(Duration.ofMillis(300)).await()).as("connections cut").isEqualTo(1);

      assertThat(readUntilClosed(open)).isTrue();
    }
    ConnectionRecord record = records.poll(30, TimeUnit.SECONDS);
    assertThat(record).isNotNull();
    assertThat(record.end()).isEqualTo(EndState.DRAIN_TIMEOUT);
    assertThat(record.totalTime()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void shutdownWithNothingOpenCompletesAtOnceAndCloseWaitsForIt(Vertx vertx) {
    start(vertx, TestBackend.start(vertx, TestBackend.Mode.ECHO).await());

    assertThat(proxy.shutdown(Duration.ofDays(7)).await()).isZero();
    proxy.close().await();
    assertThat(proxy.start().failed()).as("no restart").isTrue();
  }

  @Test
  void timeoutOutOfRangeIsRefused(Vertx vertx) {
    start(vertx, TestBackend.start(vertx, TestBackend.Mode.ECHO).await());

    assertThat(proxy.shutdown(Duration.ofDays(8)).cause()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
    assertThat(proxy.accepting()).isTrue();
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(30_000);
    return socket;
  }

  private static void echo(Socket socket, int value) throws IOException {
    socket.getOutputStream().write(value);
    assertThat(socket.getInputStream().read()).isEqualTo(value);
  }

  /**
   * Whether a connect to {@code port} is refused, or accepted and reset or closed without a byte: the listening socket
   * closes a moment after the shutdown begins, and a client accepted in that moment is reset.
   */
  static boolean refusedOrReset(int port) throws IOException {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(1);
      return readUntilClosed(socket);
    } catch (ConnectException refused) {
      return true;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  /** Reads until the proxy closes (an end or a reset); true once it has. */
  private static boolean readUntilClosed(Socket socket) {
    try {
      return socket.getInputStream().read() == -1;
    } catch (IOException reset) {
      return true;
    }
  }
}
