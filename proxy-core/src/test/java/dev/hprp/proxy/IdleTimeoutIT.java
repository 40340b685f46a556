package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.EchoStream;
import dev.hprp.proxy.testing.HeldConnections;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The idle timeout cuts connections with no traffic, and only those: steady traffic keeps a connection open. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTimeoutIT {

  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  /** Between an echo and the next chunk: traffic every 200 ms or so, well inside the idle timeout. */
  private static final Duration PAUSE = Duration.ofMillis(200);
  private static final Duration RUN = IDLE_TIMEOUT.multipliedBy(3);
  /** Bound on a cut being late: this 2-core machine, shared with other builds, stalls threads for seconds. */
  private static final Duration LATE_ALLOWANCE = Duration.ofSeconds(10);

  private ReverseProxy proxy;
  /** Held in a field: Vert.x closes an unreachable client, and every socket it opened. */
  private NetClient client;

  @AfterEach
  void close() throws Exception {
    if (client != null) {
      client.close().await(10, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A connection with traffic every 200 ms lives through three idle timeouts of 1 s, every byte echoed in order,
   * while a connection of the same proxy that went quiet is cut by that timeout (so the timeout is in force).
   *
   * <p>A stall of this machine longer than the idle timeout between two chunks of the steady connection is real
   * silence, and the proxy may cut it: the stream measures its longest silence, and such a run proves nothing either
   * way, so it is reported as aborted rather than passed or failed.
   */
  @Test
  void steadyTrafficKeepsAConnectionOpenPastTheIdleTimeoutByteExact(Vertx vertx) throws Exception {
    TestBackend echo = TestBackend.start(vertx, TestBackend.Mode.ECHO).await(10, TimeUnit.SECONDS);
    client = vertx.createNetClient();
    // A throw-away proxy without the short timeout takes the relay path through its first run, the slowest: over a
    // second here in a cold JVM, which the proxy under test would rightly cut as idle.
    ReverseProxy warmUp = ReverseProxy.builder(vertx)
        .backends(List.of(echo.backend()))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    warmUp.start().await(10, TimeUnit.SECONDS);
    HeldConnections.openOne(client, warmUp.actualPort(), 0).compose(NetSocket::close).await(10, TimeUnit.SECONDS);
    warmUp.close().await(10, TimeUnit.SECONDS);
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(echo.backend()))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setIdleTimeout(IDLE_TIMEOUT))
        .build();
    proxy.start().await(10, TimeUnit.SECONDS);

    // The quiet connection's clock starts before its exchange, so no later than the proxy's last traffic on it: the
    // idle timeout runs from that.
    long quietSince = System.nanoTime();
    NetSocket quiet = HeldConnections.openOne(client, proxy.actualPort(), 1).await(10, TimeUnit.SECONDS);
    Promise<Long> quietClosed = Promise.promise();
    quiet.closeHandler(v -> quietClosed.complete(System.nanoTime()));
    EchoStream steady = EchoStream.open(vertx, client, proxy.actualPort(), 1024, PAUSE).await(10, TimeUnit.SECONDS);
    vertx.timer(RUN.toMillis()).await(RUN.plus(LATE_ALLOWANCE).toMillis(), TimeUnit.MILLISECONDS);

    long quietFor = quietClosed.future().await(LATE_ALLOWANCE.toSeconds(), TimeUnit.SECONDS) - quietSince;
    assertThat(quietFor).as("the quiet connection was cut by the idle timeout, not before")
        .isBetween(IDLE_TIMEOUT.toNanos(), IDLE_TIMEOUT.plus(LATE_ALLOWANCE).toNanos());
    if (steady.closedNanos() != 0) {
      Assumptions.assumeTrue(steady.longestSilenceNanos() < IDLE_TIMEOUT.toNanos(), () -> "the steady connection "
          + "itself went quiet for " + TimeUnit.NANOSECONDS.toMillis(steady.longestSilenceNanos())
          + " ms (a stall of this machine), and was cut: inconclusive");
    }
    assertThat(steady.closedNanos()).as("the steady connection was closed (longest silence %d ms)",
        TimeUnit.NANOSECONDS.toMillis(steady.longestSilenceNanos())).isZero();
    assertThat(steady.corrupt()).as("every byte echoed was the next one sent").isFalse();
    assertThat(steady.error()).isNull();
    assertThat(steady.echoed()).as("chunks of 1 KiB echoed in %s", RUN).isGreaterThanOrEqualTo(5 * 1024);

    steady.close().await(10, TimeUnit.SECONDS);
    Await.noActiveConnections(proxy);
    BackendStatus status = proxy.backends().get(0);
    assertThat(status.totalConnections()).isEqualTo(2);
    assertThat(status.bytesFromBackend()).as("echoed as relayed").isEqualTo(status.bytesToBackend());
    assertThat(status.bytesToBackend() - 4).as("the steady stream's bytes (the quiet one sent 4): all it had echoed, "
        + "at most all it wrote (the last chunk may have been written as it closed)")
        .isBetween(steady.echoed(), steady.sent());
  }
}
