package dev.hprp.proxy;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.testing.Await;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Backends added, re-weighted, drained and removed while traffic flows, through the public runtime API. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class LiveBackendsIT {

  private static final Buffer PING = Buffer.buffer("ping");
  private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(20);
  /** Bound of every wait for a state to settle on a busy two-core machine; waits end as soon as it is reached. */
  private static final Duration SETTLE = Duration.ofSeconds(20);
  private static final long TRANSFER = 16L * 1024 * 1024;

  private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
  private ReverseProxy proxy;

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private ReverseProxy start(Vertx vertx, TestBackend... backends) {
    proxy = ReverseProxy.builder(vertx)
        .backends(java.util.Arrays.stream(backends).map(TestBackend::backend).toList())
        .onBackendEvent(events::add)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    return proxy;
  }

  private static TestBackend echo(Vertx vertx) {
    return TestBackend.start(vertx, ECHO).await();
  }

  private List<String> ids() {
    return proxy.backends().stream().map(BackendStatus::id).toList();
  }

  private LoadClient load(Vertx vertx, int concurrency, long total) {
    return LoadClient.start(vertx, proxy.actualPort(), PING, PING, concurrency, total, EXCHANGE_TIMEOUT);
  }

  @Test
  void addedBackendReceivesConnectionsUnderLoad(Vertx vertx) {
    TestBackend a = echo(vertx);
    TestBackend b = echo(vertx);
    start(vertx, a);
    LoadClient load = load(vertx, 4, Long.MAX_VALUE);
    await().atMost(SETTLE).until(() -> a.accepted() >= 50);

    proxy.addBackend(b.backend()).await();
    await("the added backend takes connections").atMost(SETTLE).until(() -> b.accepted() >= 50);

    load.stop().await();
    assertThat(load.failures()).isEmpty();
    assertThat(ids()).containsExactly(a.backend().id(), b.backend().id());
    await().atMost(SETTLE).until(() -> events.stream().anyMatch(e -> e instanceof BackendEvent.Added added
        && added.backend().equals(b.backend()) && added.health() == BackendHealth.UP));
  }

  /** A transfer through {@code backend} that has sent its whole payload and reads nothing back until told to. */
  private record HeldTransfer(NetSocket socket, Future<String> sent) {

    static HeldTransfer open(Vertx vertx, NetClient client, int port, TestBackend backend) {
      int before = backend.accepted();
      NetSocket socket = Clients.onEventLoop(vertx, () -> client.connect(port, "127.0.0.1").map(s -> {
        s.pause();
        return s;
      })).await();
      Future<String> sent = Clients.onEventLoop(vertx, () -> Payloads.send(socket, TRANSFER, 7));
      await().atMost(SETTLE).until(() -> backend.accepted() == before + 1);
      return new HeldTransfer(socket, sent);
    }

    /** Reads the echo: its SHA-256 once all of it arrived. */
    Future<String> readAll(Vertx vertx) {
      return Clients.onEventLoop(vertx, () -> {
        Future<String> received = Payloads.receive(socket, TRANSFER);
        socket.resume();
        return received;
      });
    }
  }

  @Test
  void removalWaitsForAnOpenTransferThatCompletesByteExact(Vertx vertx) throws Exception {
    TestBackend leaving = echo(vertx);
    TestBackend staying = echo(vertx);
    start(vertx, leaving);
    NetClient client = vertx.createNetClient();
    HeldTransfer transfer = HeldTransfer.open(vertx, client, proxy.actualPort(), leaving);
    proxy.addBackend(staying.backend()).await();

    Future<Void> removal = proxy.removeBackend(leaving.backend().id(), Duration.ofSeconds(60));
    LoadClient load = load(vertx, 4, 40);
    load.done().await();

    assertThat(load.failures()).isEmpty();
    assertThat(leaving.accepted()).as("no new connection after the removal began").isEqualTo(1);
    assertThat(staying.accepted()).isEqualTo(40);
    assertThat(removal.isComplete()).isFalse();
    assertThat(proxy.backends().get(0).adminState()).isEqualTo(BackendAdminState.DRAINING);

    assertThat(transfer.readAll(vertx).await()).isEqualTo(Payloads.sha256Of(TRANSFER, 7));
    assertThat(transfer.sent().await()).isEqualTo(Payloads.sha256Of(TRANSFER, 7));
    long closed = System.nanoTime();
    Clients.onEventLoop(vertx, () -> transfer.socket().close()).await();
    removal.await(SETTLE.toSeconds(), TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - closed)).as("removal completes right after the last close")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(ids()).containsExactly(staying.backend().id());
    await().atMost(SETTLE).until(() -> events.stream().anyMatch(e -> e instanceof BackendEvent.Removed removed
        && removed.backend().equals(leaving.backend())));
  }

  @Test
  void removalClosesATransferStillOpenAtTheDrainTimeout(Vertx vertx) throws Exception {
    TestBackend leaving = echo(vertx);
    TestBackend staying = echo(vertx);
    start(vertx, leaving, staying);
    NetClient client = vertx.createNetClient();
    HeldTransfer transfer = HeldTransfer.open(vertx, client, proxy.actualPort(), leaving);

    long began = System.nanoTime();
    proxy.removeBackend(leaving.backend().id(), Duration.ofSeconds(1)).await(SETTLE.toSeconds(), TimeUnit.SECONDS);

    assertThat(Duration.ofNanos(System.nanoTime() - began)).as("waited for the drain timeout")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    Future<String> cut = transfer.readAll(vertx);
    assertThat(cut.transform(ar -> Future.succeededFuture(ar.cause())).await(SETTLE.toSeconds(), TimeUnit.SECONDS))
        .as("the client's connection was closed before its echo was complete").isNotNull();
    assertThat(ids()).containsExactly(staying.backend().id());
    await().atMost(SETTLE).until(() -> leaving.sockets().isEmpty());
  }

  @Test
  void setWeightSpreadsNewConnectionsByTheNewWeights(Vertx vertx) {
    TestBackend a = echo(vertx);
    TestBackend b = echo(vertx);
    TestBackend c = echo(vertx);
    start(vertx, a, b, c);

    proxy.setWeight(a.backend().id(), 3).await();
    load(vertx, 8, 5000).done().await();

    // 3:1:1 of 5,000, each within 5 %.
    assertThat(a.accepted()).isBetween(2850, 3150);
    assertThat(b.accepted()).isBetween(950, 1050);
    assertThat(c.accepted()).isBetween(950, 1050);
    assertThat(proxy.backends().get(0).backend().weight()).isEqualTo(3);
  }

  @Test
  void drainedBackendKeepsItsOpenConnectionsAndTakesNewOnesOnlyOnceEnabled(Vertx vertx) {
    TestBackend a = echo(vertx);
    TestBackend b = echo(vertx);
    start(vertx, a, b);
    NetClient client = vertx.createNetClient();
    NetSocket open = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1")).await();
    await().atMost(SETTLE).until(() -> a.accepted() == 1);

    proxy.drain(a.backend().id()).await();
    load(vertx, 4, 20).done().await();
    assertThat(a.accepted()).isEqualTo(1);
    assertThat(b.accepted()).isEqualTo(20);
    assertThat(proxy.backends().get(0).adminState()).isEqualTo(BackendAdminState.DRAINING);
    assertThat(proxy.backends().get(0).eligible()).isFalse();
    Future<Buffer> echoed = Clients.onEventLoop(vertx, () -> {
      Promise<Buffer> answer = Promise.promise();
      open.handler(answer::tryComplete);
      return open.write(PING).compose(v -> answer.future());
    });
    assertThat(echoed.await().toString()).as("the open connection still works").isEqualTo("ping");

    proxy.enable(a.backend().id()).await();
    load(vertx, 4, 20).done().await();
    assertThat(a.accepted()).isEqualTo(11);
    assertThat(b.accepted()).isEqualTo(30);
    await().atMost(SETTLE).until(() -> events.stream().filter(e -> e instanceof BackendEvent.AdminStateChanged)
        .count() == 2);
  }

  @Test
  void updateBackendsReplacesTheSetInOneRebuildAndIsIdempotent(Vertx vertx) {
    TestBackend a = echo(vertx);
    TestBackend b = echo(vertx);
    TestBackend c = echo(vertx);
    TestBackend d = echo(vertx);
    AtomicInteger selectorsBuilt = new AtomicInteger();
    AtomicInteger builtOnEventLoops = new AtomicInteger();
    Balancer counting = candidates -> {
      selectorsBuilt.incrementAndGet();
      if (Context.isOnEventLoopThread()) {
        builtOnEventLoops.incrementAndGet();
      }
      return Balancer.roundRobin().newSelector(candidates);
    };
    proxy = ReverseProxy.builder(vertx)
        .backends(List.of(a.backend(), b.backend(), c.backend()))
        .balancer(counting)
        .onBackendEvent(events::add)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    List<Backend> desired = List.of(b.backend(), c.backend(), new Backend("127.0.0.1", d.port(), 2));

    int before = selectorsBuilt.get();
    // Called on an event loop, as a discovery source would: the selector is still built elsewhere.
    Clients.onEventLoop(vertx, () -> proxy.updateBackends(desired, Duration.ofSeconds(10))).await();
    assertThat(selectorsBuilt.get() - before).as("selectors built for one update").isEqualTo(1);
    assertThat(ids()).containsExactly(b.backend().id(), c.backend().id(), d.backend().id());
    load(vertx, 4, 40).done().await();
    assertThat(a.accepted()).isZero();
    assertThat(b.accepted() + c.accepted() + d.accepted()).isEqualTo(40);
    assertThat(d.accepted()).isEqualTo(20);
    await().atMost(SETTLE).until(() -> events.stream().anyMatch(e -> e instanceof BackendEvent.Removed r
        && r.backend().equals(a.backend())) && events.stream().anyMatch(e -> e instanceof BackendEvent.Added added
        && added.backend().id().equals(d.backend().id())));

    before = selectorsBuilt.get();
    proxy.updateBackends(desired, Duration.ofSeconds(10)).await();
    assertThat(selectorsBuilt.get()).as("the same set again builds nothing").isEqualTo(before);
    assertThat(ids()).containsExactly(b.backend().id(), c.backend().id(), d.backend().id());
    assertThat(proxy.backends().get(2).totalConnections()).as("d kept its state").isEqualTo(20);
    assertThat(builtOnEventLoops.get()).as("selectors built on an event loop").isZero();
  }

  @Test
  void unknownIdsDuplicatesAndBadWeightsFailNamingWhatWasWrong(Vertx vertx) {
    TestBackend a = echo(vertx);
    start(vertx, a);
    String unknown = "127.0.0.1:1";

    assertThat(proxy.addBackend(a.backend()).cause()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(a.backend().id()).hasMessageContaining("already present");
    for (Future<Void> failed : List.of(proxy.removeBackend(unknown, Duration.ZERO), proxy.setWeight(unknown, 2),
        proxy.drain(unknown), proxy.enable(unknown))) {
      assertThat(failed.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(unknown)
          .hasMessageContaining("no such backend");
    }
    assertThat(proxy.setWeight(a.backend().id(), 0).cause()).hasMessage("weight: 0 (expected: 1-256)");
    assertThat(proxy.updateBackends(List.of(a.backend(), a.backend()), Duration.ZERO).cause())
        .hasMessageContaining(a.backend().id() + " is listed twice");
    assertThat(ids()).containsExactly(a.backend().id());
  }

  @Test
  void removedIdMayBeAddedAgainWithFreshCounters(Vertx vertx) {
    TestBackend a = echo(vertx);
    TestBackend b = echo(vertx);
    start(vertx, a, b);
    load(vertx, 2, 10).done().await();
    Await.noActiveConnections(proxy);
    assertThat(proxy.backends().get(0).totalConnections()).isEqualTo(5);

    proxy.removeBackend(a.backend().id(), Duration.ofSeconds(5)).await();
    proxy.addBackend(a.backend()).await();

    assertThat(ids()).containsExactly(b.backend().id(), a.backend().id());
    assertThat(proxy.backends().get(1).totalConnections()).isZero();
    assertThat(proxy.backends().get(1).health()).isEqualTo(BackendHealth.UP);
  }
}
