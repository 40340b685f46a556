package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DiscoveryException;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.Payloads;
import dev.hprp.proxy.testing.SamePortBackends;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestDnsServer;
import dev.hprp.proxy.testing.TestDnsServer.Mode;
import dev.hprp.proxy.testing.TestDnsServer.Srv;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A proxy whose backends come from DNS, against an in-process DNS server the tests change while traffic flows:
 * additions get traffic (after their first health check), removals drain, failures keep the set, an unchanged answer
 * changes nothing, SRV priorities and weights are followed, and DNS entries mix with fixed ones.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DnsDiscoveryIT {

  private static final String NAME = "backend.test";
  private static final Buffer PING = Buffer.buffer("ping");
  private static final Duration SETTLE = Duration.ofSeconds(20);
  private static final long TRANSFER = 4L * 1024 * 1024;

  private TestDnsServer dns;
  private ReverseProxy proxy;
  private SamePortBackends backends;

  @BeforeEach
  void startDns() {
    dns = TestDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close().await();
    }
    if (backends != null) {
      backends.close();
    }
    dns.close();
  }

  private ReverseProxyBuilder builder(Vertx vertx, BackendDiscovery... sources) {
    return ReverseProxy.builder(vertx)
        .discovery(sources)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setDrainTimeout(Duration.ofMinutes(1)));
  }

  private void runLoad(Vertx vertx, long connections) {
    LoadClient load = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 4, connections, SETTLE);
    load.done().await();
    assertThat(load.failures()).isEmpty();
  }

  /** Client connections relayed to each backend so far, by id. */
  private Map<String, Long> relayed() {
    return proxy.backends().stream().collect(Collectors.toMap(BackendStatus::id, BackendStatus::totalConnections));
  }

  private BackendStatus status(String id) {
    return proxy.backends().stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
  }

  @Test
  void newAddressesAreCheckedBeforeTrafficAndVanishedOnesDrainAnOpenTransfer(Vertx vertx) throws Exception {
    backends = SamePortBackends.start(vertx, 2);
    String first = backends.backend(0).id();
    String second = backends.backend(1).id();
    String dead = new Backend("127.0.0.3", backends.port()).id();
    dns.a(NAME, 0, "127.0.0.1");
    proxy = builder(vertx, BackendDiscovery.dns(NAME, backends.port(), dns.fastOptions()))
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions().setInterval(Duration.ofMillis(200)))
        .build();
    proxy.start().await();

    NetClient client = vertx.createNetClient();
    NetSocket held = Clients.onEventLoop(vertx, () -> client.connect(proxy.actualPort(), "127.0.0.1").map(s -> {
      s.pause();
      return s;
    })).await();
    Future<String> sent = Clients.onEventLoop(vertx, () -> Payloads.send(held, TRANSFER, 11));
    await().atMost(SETTLE).until(() -> status(first).activeConnections() == 1);

    // The first address leaves; the second and a dead one (nothing listens on 127.0.0.3) arrive.
    dns.a(NAME, 0, "127.0.0.2", "127.0.0.3");
    await().atMost(SETTLE).until(() -> status(second) != null && status(dead) != null
        && status(first).adminState() == BackendAdminState.DRAINING);
    assertThat(status(dead).health()).as("its first probe failed: it joined DOWN").isEqualTo(BackendHealth.DOWN);
    runLoad(vertx, 20);

    assertThat(relayed()).containsEntry(first, 1L).containsEntry(second, 20L).containsEntry(dead, 0L);
    assertThat(status(dead).failedConnects()).as("no client was ever sent to the dead address").isZero();
    Future<String> received = Clients.onEventLoop(vertx, () -> {
      Future<String> all = Payloads.receive(held, TRANSFER);
      held.resume();
      return all;
    });
    assertThat(received.await(SETTLE.toSeconds(), TimeUnit.SECONDS)).as("the open transfer completes byte-exact")
        .isEqualTo(Payloads.sha256Of(TRANSFER, 11));
    assertThat(sent.await()).isEqualTo(Payloads.sha256Of(TRANSFER, 11));
    Clients.onEventLoop(vertx, held::close).await();
    await().atMost(SETTLE).until(() -> status(first) == null);
  }

  @Test
  void anUnchangedAnswerBuildsNoSelectorAndKeepsTheRoundRobinPosition(Vertx vertx) {
    backends = SamePortBackends.start(vertx, 3);
    AtomicInteger selectorsBuilt = new AtomicInteger();
    Balancer counting = candidates -> {
      selectorsBuilt.incrementAndGet();
      return Balancer.roundRobin().newSelector(candidates);
    };
    dns.a(NAME, 0, "127.0.0.1", "127.0.0.2", "127.0.0.3");
    proxy = builder(vertx, BackendDiscovery.dns(NAME, backends.port(), dns.fastOptions())).balancer(counting).build();
    proxy.start().await();
    int built = selectorsBuilt.get();
    runLoad(vertx, 2);
    Map<String, Long> afterTwo = relayed();

    dns.a(NAME, 0, "127.0.0.3", "127.0.0.2", "127.0.0.1");
    dns.awaitQueries(NAME, "A", 5);
    runLoad(vertx, 1);

    assertThat(selectorsBuilt.get()).as("selectors built after start").isEqualTo(built);
    String third = afterTwo.entrySet().stream().filter(e -> e.getValue() == 0).findFirst().orElseThrow().getKey();
    assertThat(relayed()).as("the third connection goes to the one not yet picked").containsEntry(third, 1L);
  }

  @Test
  void dnsFailuresKeepServingTheKnownBackends(Vertx vertx) {
    backends = SamePortBackends.start(vertx, 2);
    dns.a(NAME, 0, "127.0.0.1", "127.0.0.2");
    proxy = builder(vertx, BackendDiscovery.dns(NAME, backends.port(), dns.fastOptions())).build();
    proxy.start().await();

    for (Mode failure : List.of(Mode.SERVFAIL, Mode.DROP, Mode.NXDOMAIN)) {
      dns.mode(NAME, failure);
      dns.awaitQueries(NAME, "A", 2);
      runLoad(vertx, 10);
    }

    assertThat(relayed()).containsOnlyKeys(backends.backend(0).id(), backends.backend(1).id())
        .containsValues(15L, 15L);
  }

  @Test
  void fixedAndDnsEntriesAreBalancedTogether(Vertx vertx) {
    backends = SamePortBackends.start(vertx, 3);
    int port = backends.port();
    dns.a(NAME, 0, "127.0.0.2");
    // No grace: an empty answer removes at once.
    proxy = builder(vertx).discovery(BackendDiscovery.parseList("127.0.0.1:" + port + ",dns:" + NAME + ":" + port
            + ",dns:other.test:" + port, dns.fastOptions().setEmptyGrace(Duration.ZERO)))
        .build();
    dns.a("other.test", 0, "127.0.0.3", "127.0.0.1");
    proxy.start().await();
    runLoad(vertx, 30);
    assertThat(relayed()).containsOnlyKeys(backends.backend(0).id(), backends.backend(1).id(),
        backends.backend(2).id()).containsValues(10L, 10L, 10L);

    dns.a(NAME, 0).a("other.test", 0, "127.0.0.1");
    await().atMost(SETTLE).until(() -> proxy.backends().size() == 1);
    assertThat(proxy.backends()).extracting(BackendStatus::id).as("the fixed one, also found by DNS, stays")
        .containsExactly(backends.backend(0).id());
  }

  @Test
  void srvWeightsAreFollowedAndOnlyTheLowestPriorityGroupWithAnEligibleBackendIsUsed(Vertx vertx) {
    List<TestBackend> started = List.of(echo(vertx), echo(vertx), echo(vertx));
    TestBackend heavy = started.get(0);
    TestBackend light = started.get(1);
    TestBackend backup = started.get(2);
    String srv = "_echo._tcp." + NAME;
    dns.srv(srv, 30, new Srv(10, 3, heavy.port(), "a." + NAME), new Srv(10, 1, light.port(), "a." + NAME),
        new Srv(20, 1, backup.port(), "b." + NAME));
    dns.a("a." + NAME, 30, "127.0.0.1").a("b." + NAME, 30, "127.0.0.1");
    proxy = builder(vertx, BackendDiscovery.srv(srv, dns.fastOptions())).build();
    proxy.start().await();

    runLoad(vertx, 40);
    assertThat(heavy.accepted()).isEqualTo(30);
    assertThat(light.accepted()).isEqualTo(10);
    assertThat(backup.accepted()).isZero();

    proxy.drain(heavy.backend().id()).await();
    proxy.drain(light.backend().id()).await();
    runLoad(vertx, 10);
    assertThat(backup.accepted()).as("the backup group serves once the first has no eligible backend")
        .isEqualTo(10);

    proxy.enable(light.backend().id()).await();
    runLoad(vertx, 10);
    assertThat(light.accepted()).isEqualTo(20);
    assertThat(backup.accepted()).isEqualTo(10);
  }

  private static TestBackend echo(Vertx vertx) {
    return TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
  }

  @Test
  void aMissingNameFailsTheStartUnlessEmptyIsAllowed(Vertx vertx) {
    ReverseProxy failing = builder(vertx, BackendDiscovery.dns("missing.test", 8080, dns.fastOptions())).build();

    Throwable failure = failing.start().transform(ar -> Future.succeededFuture(ar.cause())).await();

    assertThat(failure).isInstanceOf(DiscoveryException.class)
        .hasMessage("dns:missing.test:8080: no such name (NXDOMAIN)");
    failing.close().await();

    backends = SamePortBackends.start(vertx, 1);
    proxy = builder(vertx, BackendDiscovery.dns(NAME, backends.port(), dns.fastOptions().setAllowEmpty(true))).build();
    proxy.start().await();
    assertThat(proxy.backends()).isEmpty();
    dns.a(NAME, 0, "127.0.0.1");
    await().atMost(SETTLE).until(() -> proxy.backends().size() == 1);
    runLoad(vertx, 5);
    assertThat(backends.accepted(0)).isEqualTo(5);
  }
}
