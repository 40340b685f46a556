package dev.hprp.proxy.reliability;

import static dev.hprp.proxy.testing.TestBackend.Mode.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.testing.HealthChanges;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every backend down, then one back, with the proxy running throughout: while all are down each client is closed
 * promptly (refused connects fail fast; nothing hangs, nothing leaks); once one is back the very next client is
 * served, whichever backend it is and whatever health made of the outage.
 *
 * <p>Run with the default health settings (passive only: by then one backend is ejected for 30 s, since five clients
 * in a row failed on each) and with fast active TCP checks (all three marked DOWN: the proxy fails open).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AllBackendsDownIT {

  private static final Buffer PING = Buffer.buffer("ping");
  private static final int CLIENTS_WHILE_DOWN = 20;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  /** The health settings the outage is met with. */
  enum Health {
    /** The defaults: passive health only. Five clients in a row fail on each backend: one gets ejected for 30 s. */
    PASSIVE(builder -> builder),
    /** Fast active TCP checks besides: the test waits until all three are marked DOWN, so the proxy fails open. */
    ACTIVE(builder -> builder.healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions()
        .setInterval(Duration.ofMillis(50)).setTimeout(Duration.ofMillis(500)).setRise(1)));

    final UnaryOperator<ReverseProxyBuilder> settings;

    Health(UnaryOperator<ReverseProxyBuilder> settings) {
      this.settings = settings;
    }
  }

  /** Which backend comes back. */
  enum Returning {
    /** The one passive health ejected during the outage. */
    EJECTED,
    /** One that was not ejected. */
    OTHER
  }

  /**
   * {@code PASSIVE, EJECTED} guards a fixed bug: when the backend passive health ejected was the only one back, the
   * proxy kept trying the two eligible (but dead) backends and closed every client for the rest of the 30 s
   * ejection. Now a client whose eligible backends all failed is tried on the others too.
   */
  @ParameterizedTest(name = "{0} health, {1} backend returns")
  @CsvSource({"PASSIVE, EJECTED", "PASSIVE, OTHER", "ACTIVE, EJECTED", "ACTIVE, OTHER"})
  void clientsAreClosedPromptlyWhileAllAreDownAndServedAsSoonAsOneIsBack(Health health, Returning returning)
      throws Exception {
    Vertx vertx = nativeVertx.get();
    List<TestBackend> backends = Proxies.backends(vertx, ECHO, ECHO, ECHO);
    Proxies.warmUp(vertx, backends.get(0));
    HealthChanges healthChanges = new HealthChanges();
    List<BackendEvent.HealthChanged> transitions = healthChanges.list();
    ReverseProxy proxy = health.settings.apply(Proxies.builder(vertx, backends))
        .onBackendEvent(healthChanges)
        .build();
    proxy.start().await(10, TimeUnit.SECONDS);

    Future.all(backends.stream().map(TestBackend::close).toList()).await(10, TimeUnit.SECONDS);
    LoadClient whileDown = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 1, CLIENTS_WHILE_DOWN,
        Proxies.EXCHANGE_TIMEOUT);
    whileDown.done().await(30, TimeUnit.SECONDS);

    assertThat(whileDown.failures()).hasSize(CLIENTS_WHILE_DOWN).allSatisfy(failure -> {
      assertThat(failure.reason()).matches(Proxies.CLOSED_UNANSWERED);
      assertThat(failure.endNanos() - failure.startNanos()).as("closed promptly")
          .isLessThan(Proxies.PAUSE_ALLOWANCE.toNanos());
    });
    assertThat(Proxies.totalConnections(proxy)).isZero();
    assertThat(Proxies.failedConnects(proxy)).as("each client failed on 1 to 3 backends")
        .isBetween((long) CLIENTS_WHILE_DOWN, 3L * CLIENTS_WHILE_DOWN);
    if (health == Health.ACTIVE) {
      await("every backend marked DOWN").atMost(Proxies.SETTLE).until(() -> proxy.backends().stream()
          .allMatch(b -> b.health() == BackendHealth.DOWN));
    }
    long failedWhileDown = Proxies.failedConnects(proxy);
    List<BackendHealth> healthWhileDown = proxy.backends().stream().map(BackendStatus::health).toList();
    // At most half of three may be out: one.
    await("the ejection reported").atMost(Proxies.SETTLE)
        .until(() -> transitions.stream().anyMatch(t -> t.to() == BackendHealth.EJECTED));
    List<Backend> ejections = transitions.stream().filter(t -> t.to() == BackendHealth.EJECTED)
        .map(BackendEvent.HealthChanged::backend).toList();
    assertThat(ejections).hasSize(1);
    int ejected = backends.stream().map(TestBackend::backend).toList().indexOf(ejections.get(0));
    int back = returning == Returning.EJECTED ? ejected : (ejected + 1) % backends.size();

    backends.get(back).restart().await(10, TimeUnit.SECONDS);
    LoadClient afterReturn = LoadClient.start(vertx, proxy.actualPort(), PING, PING, 1, 10, Proxies.EXCHANGE_TIMEOUT);
    afterReturn.done().await(30, TimeUnit.SECONDS);

    assertThat(afterReturn.failures()).as("clients after backend %d came back (health while down: %s)", back,
        healthWhileDown).isEmpty();
    assertThat(proxy.backends().get(back).totalConnections()).isEqualTo(10);
    Proxies.awaitNoActiveConnections(proxy);
    long slowestClose = whileDown.failures().stream().mapToLong(f -> f.endNanos() - f.startNanos()).max()
        .orElseThrow();
    String scenario = "all backends down, " + health + " health, " + returning + " backend returns";
    Figures.record(scenario, "clients closed while down / slowest close", CLIENTS_WHILE_DOWN + " / "
        + Figures.millis(slowestClose));
    Figures.record(scenario, "failed connects while down", failedWhileDown);
    Figures.record(scenario, "clients served right after the return", afterReturn.succeeded() + " of 10");
    proxy.close().await(10, TimeUnit.SECONDS);
  }
}
