package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A shortage of the proxy's own (out of file descriptors) never counts against a backend: not in passive health, not
 * in active checks, and the client is not failed over to another backend that would fail the same way.
 */
@ExtendWith(VertxExtension.class)
class LocalFailuresTest {

  /** What the native transports throw for EMFILE. Its class needs their JNI library, which loading epoll's brings. */
  private static final Exception EMFILE = emfile();

  private static Exception emfile() {
    Epoll.ensureAvailability();
    return new Errors.NativeIoException("connect(..) failed: Too many open files", -24);
  }

  @Test
  void outOfDescriptorsAndKernelMemoryAreLocalAndRefusalsAreNot() {
    assertThat(LocalFailures.isLocal(EMFILE)).isTrue();
    assertThat(LocalFailures.isLocal(new SocketException("Too many open files"))).isTrue();
    assertThat(LocalFailures.isLocal(new IOException("accept", new SocketException("Too many open files in system"))))
        .isTrue();
    assertThat(LocalFailures.isLocal(new IOException("No buffer space available"))).isTrue();
    assertThat(LocalFailures.isLocal(new ConnectException("Cannot assign requested address"))).isTrue();
    assertThat(LocalFailures.isLocal(new ConnectException("Connection refused: /127.0.0.1:1"))).isFalse();
    assertThat(LocalFailures.isLocal(new IOException((String) null))).isFalse();
  }

  @Test
  void aConnectFailingForLackOfDescriptorsIsNotCountedNorFailedOver(Vertx vertx) {
    ReverseProxyImpl proxy = (ReverseProxyImpl) ReverseProxy.builder(vertx)
        .backends(List.of(new Backend("127.0.0.1", 1001), new Backend("127.0.0.1", 1002)))
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(1))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    AtomicInteger dials = new AtomicInteger();
    AtomicInteger failedAfter = new AtomicInteger(-1);

    for (int i = 0; i < 10; i++) {
      dials.set(0);
      proxy.connector().connect(new FailingAttempt(dials, failedAfter));
      assertThat(failedAfter.get()).as("closed after one attempt").isEqualTo(1);
      assertThat(dials.get()).as("no other backend tried").isEqualTo(1);
    }

    assertThat(proxy.backends()).extracting(BackendStatus::health).containsOnly(BackendHealth.UP);
    assertThat(proxy.backends()).extracting(BackendStatus::failedConnects).containsOnly(0L);
    proxy.close().await();
  }

  @Test
  void anActiveCheckFailingForLackOfDescriptorsGivesNoVerdict(Vertx vertx) {
    AtomicInteger probes = new AtomicInteger();
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(List.of(new Backend("127.0.0.1", 1001)))
        .healthCheck(ctx -> probes.incrementAndGet() == 1 ? Future.succeededFuture() : Future.failedFuture(EMFILE),
            new HealthCheckOptions().setInterval(Duration.ofMillis(10)).setFall(1))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();

    await().atMost(Duration.ofSeconds(20)).until(() -> probes.get() >= 6);
    assertThat(proxy.backends().get(0).health()).isEqualTo(BackendHealth.UP);
    proxy.close().await();
  }

  /** A client whose every dial fails for lack of descriptors, answered at once. */
  private record FailingAttempt(AtomicInteger dials, AtomicInteger failedAfter)
      implements UpstreamConnector.Attempt<Object> {

    @Override
    public SocketAddress clientAddress() {
      return SocketAddress.inetSocketAddress(40000, "127.0.0.1");
    }

    @Override
    public Future<Object> dial(Backend backend) {
      dials.incrementAndGet();
      return Future.failedFuture(EMFILE);
    }

    @Override
    public boolean wanted() {
      return true;
    }

    @Override
    public void connected(Upstream upstream, Object connection) {
      throw new AssertionError("connected");
    }

    @Override
    public void failed(int attempts) {
      failedAfter.set(attempts);
    }

    @Override
    public void discard(Object connection) {
    }

    @Override
    public void abort() {
    }
  }
}
