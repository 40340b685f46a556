package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.testing.HealthChanges;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Active and passive health against real sockets: a stopped backend leaves rotation and comes back. */
@ExtendWith(VertxExtension.class)
class HealthCheckIT {

  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final int FALL = 3;
  /** Timers on a loaded 2-core machine fire late; the bound under test is interval × fall + timeout. */
  private static final Duration SCHEDULING_SLACK = Duration.ofSeconds(3);

  private final HealthChanges healthChanges = new HealthChanges();
  private final List<BackendEvent.HealthChanged> transitions = healthChanges.list();
  private ReverseProxy proxy;
  private NetClient client;
  private List<TestBackend> backends;

  @BeforeEach
  void startBackends(Vertx vertx) {
    client = vertx.createNetClient();
    backends = List.of(TestBackend.named(vertx, "a").await(), TestBackend.named(vertx, "b").await(),
        TestBackend.named(vertx, "c").await());
  }

  @AfterEach
  void closeProxy() {
    if (proxy != null) {
      proxy.close().await();
    }
  }

  private List<String> answers(Vertx vertx, int count) {
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      answers.add(Clients.exchange(vertx, client, proxy.actualPort(), Buffer.buffer("hi")).await().toString());
    }
    return answers;
  }

  private BackendHealth healthOfB() {
    return proxy.backends().get(1).health();
  }

  @Test
  void takesAStoppedBackendOutAndBringsItBackAfterRise(Vertx vertx) {
    proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions()
            .setInterval(INTERVAL).setTimeout(TIMEOUT).setFall(FALL).setRise(2).setJitter(0))
        .passiveHealth(new PassiveHealthOptions().setEnabled(false))
        .onBackendEvent(healthChanges)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();
    assertThat(answers(vertx, 3)).containsExactly("a", "b", "c");

    backends.get(1).close().await();
    Awaitility.await().atMost(INTERVAL.multipliedBy(FALL).plus(TIMEOUT).plus(SCHEDULING_SLACK))
        .until(() -> healthOfB() == BackendHealth.DOWN);

    assertThat(answers(vertx, 20)).containsOnly("a", "c");
    assertThat(proxy.backends().get(1).failedConnects()).isZero();

    backends.get(1).restart().await();
    Awaitility.await().atMost(INTERVAL.multipliedBy(2).plus(SCHEDULING_SLACK))
        .until(() -> healthOfB() == BackendHealth.UP);

    assertThat(answers(vertx, 6)).contains("b");
    Awaitility.await().atMost(SCHEDULING_SLACK).until(() -> transitions.size() >= 2);
    assertThat(transitions).extracting(BackendEvent.HealthChanged::to)
        .containsExactly(BackendHealth.DOWN, BackendHealth.UP);
    assertThat(transitions.get(0).reason()).startsWith("3 consecutive failed health checks: ");
  }

  @Test
  void ejectsARefusingBackendWithHealthChecksOff(Vertx vertx) {
    backends.get(1).close().await();
    proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .noHealthCheck()
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(2))
        .onBackendEvent(healthChanges)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();

    List<String> answers = answers(vertx, 30);

    assertThat(answers).hasSize(30).containsOnly("a", "c");
    // Two refused connects eject it; after that no client is even tried on it.
    assertThat(proxy.backends().get(1).failedConnects()).isEqualTo(2);
    assertThat(healthOfB()).isEqualTo(BackendHealth.EJECTED);
    Awaitility.await().atMost(SCHEDULING_SLACK).until(() -> !transitions.isEmpty());
    assertThat(transitions).singleElement().satisfies(transition -> {
      assertThat(transition.backend()).isEqualTo(backends.get(1).backend());
      assertThat(transition.reason()).startsWith("ejected for 30s after 2 consecutive connect failures: ");
    });
  }

  @Test
  void passiveEjectionEndsOncePassingActiveChecksRiseAgain(Vertx vertx) {
    // An ejection of minutes: only the active checks can bring the backend back within the bound below.
    proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(TestBackend::backend).toList())
        .healthCheck(HealthCheck.tcpConnect(), new HealthCheckOptions()
            .setInterval(INTERVAL).setTimeout(TIMEOUT).setFall(FALL).setRise(2).setJitter(0))
        .passiveHealth(new PassiveHealthOptions().setConsecutiveFailures(1)
            .setBaseEjectionTime(Duration.ofMinutes(5)).setMaxEjectionTime(Duration.ofMinutes(5)))
        .onBackendEvent(healthChanges)
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0))
        .build();
    proxy.start().await();

    backends.get(1).close().await();
    // Clients meet the refusing backend before the probes do: one refused connect ejects it.
    Awaitility.await().atMost(SCHEDULING_SLACK).until(() -> {
      answers(vertx, 3);
      return healthOfB() != BackendHealth.UP;
    });
    backends.get(1).restart().await();
    long restarted = System.nanoTime();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> healthOfB() == BackendHealth.UP);

    assertThat(Duration.ofNanos(System.nanoTime() - restarted)).as("back within interval x rise + one interval")
        .isLessThan(INTERVAL.multipliedBy(3).plus(TIMEOUT).plus(SCHEDULING_SLACK));
    assertThat(answers(vertx, 6)).contains("b");
    Awaitility.await().atMost(SCHEDULING_SLACK).until(() -> transitions.stream()
        .anyMatch(t -> t.to() == BackendHealth.UP));
    assertThat(transitions.get(0).to()).isEqualTo(BackendHealth.EJECTED);
    assertThat(transitions).last().extracting(BackendEvent.HealthChanged::reason).asString()
        .startsWith("passed 2 consecutive health checks");
  }
}
