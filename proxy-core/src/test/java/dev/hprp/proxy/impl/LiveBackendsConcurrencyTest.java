package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry under concurrent change: backends come and go while other threads pick, connect and release. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
class LiveBackendsConcurrencyTest {

  private static final int CYCLES = 1000;
  private static final int PICKERS = 4;
  /** The backends that come and go have ports from here on; the stable ones below. */
  private static final int COMING_PORTS = 2000;
  /** Far beyond a step's time even on a loaded machine: a step that takes this long is stuck, not slow. */
  private static final long STEP_TIMEOUT = 30;
  private static final SocketAddress CLIENT = SocketAddress.inetSocketAddress(40000, "127.0.0.1");

  /** A connection that needs no socket: the dial answers at once, sometimes refused, and the "relay" ends at once. */
  private static final class InstantAttempt implements UpstreamConnector.Attempt<Object> {
    private final AtomicLong relayedToComing;

    InstantAttempt(AtomicLong relayedToComing) {
      this.relayedToComing = relayedToComing;
    }

    @Override
    public SocketAddress clientAddress() {
      return CLIENT;
    }

    @Override
    public Future<Object> dial(Backend backend) {
      return ThreadLocalRandom.current().nextInt(10) == 0
          ? Future.failedFuture(new ConnectException("refused by the test")) : Future.succeededFuture(backend);
    }

    @Override
    public boolean wanted() {
      return true;
    }

    @Override
    public void connected(Upstream upstream, Object connection) {
      upstream.sentToBackend(4);
      upstream.receivedFromBackend(4);
      upstream.release(false);
      if (upstream.backend().port() >= COMING_PORTS) {
        relayedToComing.incrementAndGet();
      }
    }

    @Override
    public void failed(int attempts) {
    }

    @Override
    public void discard(Object connection) {
    }

    @Override
    public void abort() {
    }
  }

  @Test
  void thousandAddRemoveCyclesWhileFourThreadsPickAndConnectLeaveExactlyTheExpectedState(Vertx vertx)
      throws Exception {
    List<Backend> stable = List.of(new Backend("127.0.0.1", 1001), new Backend("127.0.0.1", 1002));
    ReverseProxyImpl proxy = (ReverseProxyImpl) ReverseProxy.builder(vertx)
        .backends(stable)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1))
        .build();
    proxy.start().await();
    UpstreamConnector connector = proxy.connector();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong relayedToComing = new AtomicLong();
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> pickers = new ArrayList<>();
    for (int i = 0; i < PICKERS; i++) {
      Thread picker = new Thread(() -> {
        try {
          while (!stop.get()) {
            connector.connect(new InstantAttempt(relayedToComing));
            Thread.yield(); // four spinning threads on two cores would starve the worker that builds selectors
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "picker-" + i);
      picker.start();
      pickers.add(picker);
    }

    long cyclesDone = 0;
    try {
      for (int i = 0; i < CYCLES; i++) {
        Backend coming = new Backend("127.0.0.1", COMING_PORTS + i % 50, 1 + i % 3);
        proxy.addBackend(coming).await(STEP_TIMEOUT, TimeUnit.SECONDS);
        proxy.removeBackend(coming.id(), Duration.ofSeconds(10)).await(STEP_TIMEOUT, TimeUnit.SECONDS);
        cyclesDone++;
      }
    } finally {
      stop.set(true);
      for (Thread picker : pickers) {
        picker.join(TimeUnit.SECONDS.toMillis(10));
      }
    }

    assertThat(errors).isEmpty();
    assertThat(cyclesDone).isEqualTo(CYCLES);
    assertThat(relayedToComing.get()).as("connections relayed to backends that came and went").isPositive();
    assertThat(proxy.backends()).extracting(BackendStatus::id)
        .containsExactly(stable.get(0).id(), stable.get(1).id());
    assertThat(proxy.backends()).extracting(BackendStatus::activeConnections).containsOnly(0);
    proxy.close().await();
  }
}
