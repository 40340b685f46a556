package dev.hprp.proxy.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.testing.TestDnsServer;
import dev.hprp.proxy.testing.TestDnsServer.Mode;
import dev.hprp.proxy.testing.TestDnsServer.Srv;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DNS sources against an in-process DNS server whose answers and TTLs the tests change: what each answer reports,
 * when the name is asked again, and what failures leave alone. No proxy: a recording context stands in for it.
 * Waits are for the server to have seen the next question, never a sleep.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DnsDiscoveryTest {

  private static final String NAME = "backend.test";
  private static final String SRV = "_app._tcp.backend.test";
  /** Bound of each wait on a busy machine; a wait ends as soon as its condition holds. */
  private static final Duration SETTLE = Duration.ofSeconds(20);

  private TestDnsServer dns;
  private BackendDiscovery source;

  /** The context a proxy would give: records every set reported. */
  private static final class Recorder implements DiscoveryContext {
    private final Vertx vertx;
    final List<List<Backend>> updates = new CopyOnWriteArrayList<>();

    Recorder(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public Vertx vertx() {
      return vertx;
    }

    @Override
    public void update(List<Backend> backends) {
      updates.add(List.copyOf(backends));
    }

    Set<Backend> last() {
      return Set.copyOf(updates.get(updates.size() - 1));
    }
  }

  @BeforeEach
  void startDns() {
    dns = TestDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (source != null) {
      source.close().await();
    }
    dns.close();
  }

  private Recorder started(BackendDiscovery discovery, Vertx vertx) {
    source = discovery;
    Recorder recorder = new Recorder(vertx);
    discovery.start(recorder).await();
    return recorder;
  }

  private static Backend at(String host, int port) {
    return new Backend(host, port);
  }

  @Test
  void reportsEveryAAndAaaaAddressOnThePortThenFollowsChanges(Vertx vertx) {
    dns.a(NAME, 60, "10.0.0.1", "10.0.0.2").aaaa(NAME, 60, "fd00::1");
    Recorder recorder = started(BackendDiscovery.dns(NAME, 8080, dns.fastOptions()), vertx);

    assertThat(recorder.updates).hasSize(1);
    assertThat(recorder.last()).containsExactlyInAnyOrder(at("10.0.0.1", 8080), at("10.0.0.2", 8080),
        at("fd00::1", 8080));

    dns.a(NAME, 60, "10.0.0.2", "10.0.0.3");
    await().atMost(SETTLE).until(() -> recorder.updates.size() == 2);
    assertThat(recorder.last()).containsExactlyInAnyOrder(at("10.0.0.2", 8080), at("10.0.0.3", 8080),
        at("fd00::1", 8080));
  }

  @Test
  void anEqualAnswerInAnotherOrderReportsNothing(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1", "10.0.0.2", "10.0.0.3");
    Recorder recorder = started(BackendDiscovery.dns(NAME, 80, dns.fastOptions()), vertx);

    dns.a(NAME, 0, "10.0.0.3", "10.0.0.1", "10.0.0.2");
    dns.awaitQueries(NAME, "A", 3);

    assertThat(recorder.updates).hasSize(1);
  }

  @Test
  void asksAgainAtTheTtlNotSooner(Vertx vertx) {
    dns.a(NAME, 1, "10.0.0.1");
    DnsDiscoveryOptions options = dns.fastOptions().setMaxRefresh(Duration.ofSeconds(30));
    started(BackendDiscovery.dns(NAME, 80, options), vertx);
    long asked = System.nanoTime();

    dns.awaitQueries(NAME, "A", 1);

    assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("asked again after the 1 s TTL")
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void clampsTheTtlToTheRefreshRange(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1");
    DnsDiscoveryOptions options = dns.fastOptions().setMinRefresh(Duration.ofMillis(500))
        .setMaxRefresh(Duration.ofSeconds(1));
    started(BackendDiscovery.dns(NAME, 80, options), vertx);
    long asked = System.nanoTime();

    dns.awaitQueries(NAME, "A", 1);
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("TTL 0 waits the minimum refresh")
        .isGreaterThanOrEqualTo(Duration.ofMillis(450));

    dns.a(NAME, 86_400, "10.0.0.1");
    // A day's TTL is asked again within the one-second maximum; the wait's bound would fail it otherwise.
    dns.awaitQueries(NAME, "A", 2);
  }

  @Test
  void servfailTimeoutAndNxdomainKeepTheLastGoodSetUntilAnswersReturn(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1", "10.0.0.2");
    Recorder recorder = started(BackendDiscovery.dns(NAME, 80, dns.fastOptions()), vertx);

    for (Mode failure : List.of(Mode.SERVFAIL, Mode.DROP, Mode.NXDOMAIN)) {
      dns.mode(NAME, failure);
      dns.awaitQueries(NAME, "A", 2);
      assertThat(recorder.updates).as("after %s", failure).hasSize(1);
    }

    dns.a(NAME, 0, "10.0.0.2");
    await().atMost(SETTLE).until(() -> recorder.updates.size() == 2);
    assertThat(recorder.last()).containsExactly(at("10.0.0.2", 80));
  }

  @Test
  void anEmptyAnswerRemovesTheSetOnlyAfterTheGrace(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1");
    DnsDiscoveryOptions options = dns.fastOptions().setEmptyGrace(Duration.ofMillis(600));
    Recorder recorder = started(BackendDiscovery.dns(NAME, 80, options), vertx);

    dns.a(NAME, 0);
    long emptied = System.nanoTime();
    dns.awaitQueries(NAME, "A", 1);
    assertThat(recorder.updates).as("the first empty answer keeps the set").hasSize(1);

    await().atMost(SETTLE).until(() -> recorder.updates.size() == 2);
    assertThat(Duration.ofNanos(System.nanoTime() - emptied)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    assertThat(recorder.last()).isEmpty();

    dns.a(NAME, 0, "10.0.0.5");
    await().atMost(SETTLE).until(() -> recorder.updates.size() == 3);
    assertThat(recorder.last()).containsExactly(at("10.0.0.5", 80));
  }

  @Test
  void anEmptyAnswerBetweenGoodOnesRemovesNothing(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1");
    DnsDiscoveryOptions options = dns.fastOptions().setEmptyGrace(Duration.ofHours(1));
    Recorder recorder = started(BackendDiscovery.dns(NAME, 80, options), vertx);

    dns.a(NAME, 0);
    dns.awaitQueries(NAME, "A", 3);
    dns.a(NAME, 0, "10.0.0.1");
    dns.awaitQueries(NAME, "A", 2);

    assertThat(recorder.updates).hasSize(1);
  }

  @Test
  void nxdomainAtStartFailsNamingTheRecord(Vertx vertx) {
    source = BackendDiscovery.dns("missing.test", 8080, dns.fastOptions());

    Future<Void> start = source.start(new Recorder(vertx));

    assertThat(start.transform(ar -> Future.succeededFuture(ar.cause())).await())
        .isInstanceOf(DiscoveryException.class)
        .hasMessage("dns:missing.test:8080: no such name (NXDOMAIN)");
  }

  @Test
  void aTimeoutAtStartIsRetriedThenFailsNamingTheRecord(Vertx vertx) {
    dns.a(NAME, 0, "10.0.0.1").mode(NAME, Mode.DROP);
    source = BackendDiscovery.srv(SRV, dns.fastOptions());
    dns.srv(SRV, 0, new Srv(0, 1, 80, NAME)).mode(SRV, Mode.DROP);

    Future<Void> start = source.start(new Recorder(vertx));

    assertThat(start.transform(ar -> Future.succeededFuture(ar.cause())).await())
        .isInstanceOf(DiscoveryException.class)
        .hasMessageStartingWith("srv:" + SRV + ": SRV query to " + dns.hostPort() + " timed out after 300ms");
    assertThat(dns.queries(SRV, "SRV")).isEqualTo(DnsDiscovery.START_ATTEMPTS);
  }

  @Test
  void allowEmptyStartsWithNoBackendAndAddsThemWhenTheyAppear(Vertx vertx) {
    Recorder recorder = started(BackendDiscovery.dns(NAME, 80, dns.fastOptions().setAllowEmpty(true)), vertx);
    assertThat(recorder.last()).isEmpty();

    dns.a(NAME, 0, "10.0.0.1");
    await().atMost(SETTLE).until(() -> recorder.updates.size() == 2);
    assertThat(recorder.last()).containsExactly(at("10.0.0.1", 80));
  }

  @Test
  void srvGivesEachTargetsAddressesTheRecordsPortWeightAndPriority(Vertx vertx) {
    dns.srv(SRV, 30, new Srv(10, 3, 8001, "a.backend.test"), new Srv(10, 1, 8002, "b.backend.test."),
        new Srv(20, 5, 8003, "c.backend.test"));
    dns.a("a.backend.test", 30, "10.0.0.1").a("b.backend.test", 30, "10.0.0.2", "10.0.0.3")
        .a("c.backend.test", 30, "10.0.0.4");

    Recorder recorder = started(BackendDiscovery.srv(SRV, dns.fastOptions()), vertx);

    assertThat(recorder.last()).containsExactlyInAnyOrder(new Backend("10.0.0.1", 8001, 3, 10),
        new Backend("10.0.0.2", 8002, 1, 10), new Backend("10.0.0.3", 8002, 1, 10),
        new Backend("10.0.0.4", 8003, 5, 20));
  }

  @Test
  void srvTakesTargetAddressesFromTheAdditionalSectionWhenGiven(Vertx vertx) {
    dns.srvAdditional(true).srv(SRV, 30, new Srv(0, 1, 8001, "a.backend.test"));
    dns.a("a.backend.test", 30, "10.0.0.1");

    Recorder recorder = started(BackendDiscovery.srv(SRV, dns.fastOptions()), vertx);

    assertThat(recorder.last()).containsExactly(new Backend("10.0.0.1", 8001));
    assertThat(dns.queries("a.backend.test", "A")).as("no query for the target").isZero();
  }

  @Test
  void srvWeightsAboveTheBackendRangeAreScaledWithinTheirGroup(Vertx vertx) {
    dns.srv(SRV, 30, new Srv(0, 65535, 1, "a.backend.test"), new Srv(0, 16384, 2, "a.backend.test"),
        new Srv(0, 0, 3, "a.backend.test"), new Srv(1, 7, 4, "a.backend.test"));
    dns.a("a.backend.test", 30, "10.0.0.1");

    Recorder recorder = started(BackendDiscovery.srv(SRV, dns.fastOptions()), vertx);

    assertThat(recorder.last()).containsExactlyInAnyOrder(new Backend("10.0.0.1", 1, 256, 0),
        new Backend("10.0.0.1", 2, 64, 0), new Backend("10.0.0.1", 3, 1, 0), new Backend("10.0.0.1", 4, 7, 1));
  }

  @Test
  void aFailingSrvTargetKeepsTheLastGoodSetAndAMissingOneOnlyLosesItsOwn(Vertx vertx) {
    dns.srv(SRV, 0, new Srv(0, 1, 8001, "a.backend.test"), new Srv(0, 1, 8002, "b.backend.test"));
    dns.a("a.backend.test", 0, "10.0.0.1").a("b.backend.test", 0, "10.0.0.2");
    Recorder recorder = started(BackendDiscovery.srv(SRV, dns.fastOptions()), vertx);

    dns.mode("b.backend.test", Mode.SERVFAIL);
    dns.awaitQueries(SRV, "SRV", 3);
    assertThat(recorder.updates).hasSize(1);

    dns.mode("b.backend.test", Mode.NXDOMAIN);
    await().atMost(SETTLE).until(() -> recorder.updates.size() == 2);
    assertThat(recorder.last()).containsExactly(new Backend("10.0.0.1", 8001));
  }
}
