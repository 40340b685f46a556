package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.balancer.SelectionContext;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckContext;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The health monitor driven by a scripted check: thresholds, no overlapping probes, selector swaps, ejection. */
@ExtendWith(VertxExtension.class)
class HealthMonitorTest {

  private static final Backend A = new Backend("10.0.0.1", 3001);
  private static final Backend B = new Backend("10.0.0.2", 3001);
  private static final SelectionContext CONTEXT = SelectionContext.of(SocketAddress.inetSocketAddress(1, "127.0.0.1"));

  private final List<BackendEvent.HealthChanged> transitions = Collections.synchronizedList(new ArrayList<>());
  private final List<BackendEvent.Added> joined = Collections.synchronizedList(new ArrayList<>());
  /** What a busy two-core machine may add to timer delays; generous, since a bound that flakes proves nothing. */
  private static final Duration SCHEDULING_SLACK = Duration.ofSeconds(2);

  private HealthMonitor monitor;

  @AfterEach
  void closeMonitor() {
    if (monitor != null) {
      monitor.close();
    }
  }

  /** Answers each probe of a backend from its script (true: healthy), repeating the last answer when it runs out. */
  private static final class ScriptedCheck implements HealthCheck {
    private final Map<Backend, Deque<Boolean>> scripts = new ConcurrentHashMap<>();
    private final Map<Backend, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Set<Backend> overlapped = ConcurrentHashMap.newKeySet();
    private final AtomicInteger probes = new AtomicInteger();

    ScriptedCheck script(Backend backend, Boolean... answers) {
      scripts.put(backend, new ArrayDeque<>(List.of(answers)));
      return this;
    }

    @Override
    public synchronized Future<Void> check(HealthCheckContext context) {
      probes.incrementAndGet();
      AtomicInteger running = inFlight.computeIfAbsent(context.backend(), b -> new AtomicInteger());
      if (running.incrementAndGet() > 1) {
        overlapped.add(context.backend());
      }
      Deque<Boolean> script = scripts.get(context.backend());
      boolean healthy = script.size() > 1 ? script.poll() : script.peek();
      // Answer a little later, so a monitor that started the next probe early would overlap this one.
      Promise<Void> answer = Promise.promise();
      context.vertx().setTimer(5, id -> {
        running.decrementAndGet();
        if (healthy) {
          answer.complete();
        } else {
          answer.fail(new ConnectException("connection refused"));
        }
      });
      return answer.future();
    }
  }

  private BackendRegistry start(Vertx vertx, HealthCheck check, PassiveHealthOptions passive) {
    BackendEvents events = new BackendEvents(vertx.getOrCreateContext(), List.of(this::record));
    BackendRegistry registry = new BackendRegistry(vertx, Balancer.roundRobin(), events);
    monitor = new HealthMonitor(vertx, registry, events, check,
        new HealthCheckOptions().setInterval(Duration.ofMillis(20)).setTimeout(Duration.ofMillis(500)).setRise(2)
            .setFall(3).setJitter(0),
        passive);
    List<Future<Void>> admissions = new ArrayList<>();
    for (Backend backend : List.of(A, B)) {
      admissions.add(monitor.admit(registry.add(new BackendStateImpl(backend, monitor.initialHealth(), false))));
    }
    Future.join(admissions).compose(v -> registry.rebuild()).await();
    return registry;
  }

  private void record(BackendEvent event) {
    if (event instanceof BackendEvent.HealthChanged change) {
      transitions.add(change);
    } else if (event instanceof BackendEvent.Added added) {
      joined.add(added);
    }
  }

  private static Set<Backend> picks(BackendRegistry registry) {
    Set<Backend> picked = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      picked.add(registry.select(CONTEXT, null).backend());
    }
    return picked;
  }

  @Test
  void marksBackendDownAfterFallFailuresAndUpAfterRiseSuccesses(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck()
        .script(A, true, true, false, false, true, false, false, false, true, true)
        .script(B, true);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setEnabled(false));

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> transitions.size() >= 2);

    // Two failures and a success reset the count; three in a row take A down; two successes bring it back.
    assertThat(transitions).extracting(BackendEvent.HealthChanged::backend, BackendEvent.HealthChanged::to)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(A, BackendHealth.DOWN),
            org.assertj.core.groups.Tuple.tuple(A, BackendHealth.UP));
    assertThat(transitions.get(0).reason()).isEqualTo("3 consecutive failed health checks: connection refused");
    assertThat(transitions.get(1).reason()).isEqualTo("passed 2 consecutive health checks");
    assertThat(check.overlapped).isEmpty();
    assertThat(picks(registry)).containsExactlyInAnyOrder(A, B);
  }

  @Test
  void swapsSelectorSoADownBackendGetsNoPicks(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck().script(A, true, false).script(B, true);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setEnabled(false));

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> transitions.size() >= 1);

    assertThat(transitions.get(0).to()).isEqualTo(BackendHealth.DOWN);
    assertThat(picks(registry)).containsExactly(B);
    assertThat(check.overlapped).isEmpty();
  }

  @Test
  void marksBackendDownAtBootAfterOneFailedProbe(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck().script(A, false).script(B, true);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setEnabled(false));

    // Admitted after the first round: A is already out, before any client could be sent to it.
    assertThat(registry.states().get(0).health()).isEqualTo(BackendHealth.DOWN);
    assertThat(picks(registry)).containsExactly(B);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> joined.size() == 2);
    assertThat(joined).extracting(BackendEvent.Added::backend, BackendEvent.Added::health).containsExactly(
        org.assertj.core.groups.Tuple.tuple(A, BackendHealth.DOWN),
        org.assertj.core.groups.Tuple.tuple(B, BackendHealth.UP));
    assertThat(transitions).isEmpty();
  }

  @Test
  void failsOpenWhenEveryBackendIsDown(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck().script(A, false).script(B, false);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setEnabled(false));

    assertThat(registry.states()).allMatch(state -> state.health() == BackendHealth.DOWN);
    assertThat(picks(registry)).containsExactlyInAnyOrder(A, B);
  }

  @Test
  void timesOutAProbeThatNeverAnswers(Vertx vertx) {
    HealthCheck silent = context -> context.backend().equals(A) ? Promise.<Void>promise().future()
        : Future.succeededFuture();
    BackendRegistry registry = start(vertx, silent, new PassiveHealthOptions().setEnabled(false));

    assertThat(registry.states().get(0).health()).isEqualTo(BackendHealth.DOWN);
    assertThat(registry.states().get(1).health()).isEqualTo(BackendHealth.UP);
  }

  @Test
  void ejectsAfterConsecutiveConnectFailuresForAGrowingTime(Vertx vertx) {
    BackendRegistry registry = start(vertx, null, new PassiveHealthOptions().setConsecutiveFailures(3)
        .setBaseEjectionTime(Duration.ofSeconds(1)).setMaxEjectionTime(Duration.ofSeconds(10)));
    BackendStateImpl a = registry.states().get(0);
    ConnectException refused = new ConnectException("connection refused");

    monitor.connectFailed(a, refused);
    monitor.connectFailed(a, refused);
    monitor.connectSucceeded(a);
    monitor.connectFailed(a, refused);
    monitor.connectFailed(a, refused);
    assertThat(a.health()).isEqualTo(BackendHealth.UP);
    monitor.connectFailed(a, refused);
    assertThat(a.health()).isEqualTo(BackendHealth.EJECTED);
    assertThat(picks(registry)).containsExactly(B);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.health() == BackendHealth.UP);
    for (int i = 0; i < 3; i++) {
      monitor.connectFailed(a, refused);
    }

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> transitions.size() == 3);
    assertThat(transitions).extracting(BackendEvent.HealthChanged::reason).containsExactly(
        "ejected for 1s after 3 consecutive connect failures: connection refused",
        "ejection time over",
        "ejected for 2s after 3 consecutive connect failures: connection refused");
  }

  @Test
  void neverEjectsMoreThanTheAllowedShare(Vertx vertx) {
    BackendRegistry registry = start(vertx, null, new PassiveHealthOptions().setConsecutiveFailures(1)
        .setMaxEjectedPercent(10));
    ConnectException refused = new ConnectException("connection refused");

    // 10% of two backends rounds to none, but one may always be ejected.
    monitor.connectFailed(registry.states().get(0), refused);
    monitor.connectFailed(registry.states().get(1), refused);

    assertThat(registry.states()).extracting(BackendStateImpl::health)
        .containsExactly(BackendHealth.EJECTED, BackendHealth.UP);
  }

  @Test
  void passingActiveChecksEndAPassiveEjectionWithinRiseIntervals(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck().script(A, true).script(B, true);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setConsecutiveFailures(1)
        .setBaseEjectionTime(Duration.ofMinutes(5)).setMaxEjectionTime(Duration.ofMinutes(5)));
    BackendStateImpl a = registry.states().get(0);

    long ejected = System.nanoTime();
    monitor.connectFailed(a, new ConnectException("connection refused"));
    assertThat(a.health()).isEqualTo(BackendHealth.EJECTED);
    assertThat(picks(registry)).containsExactly(B);

    // Two probes (rise) at 20 ms intervals, each answering 5 ms later; the schedule was already running.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.health() == BackendHealth.UP);
    assertThat(Duration.ofNanos(System.nanoTime() - ejected)).as("back within interval x rise + one interval")
        .isLessThan(Duration.ofMillis(20 * 2 + 20).plus(SCHEDULING_SLACK));
    assertThat(picks(registry)).containsExactlyInAnyOrder(A, B);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> transitions.size() == 2);
    assertThat(transitions).extracting(BackendEvent.HealthChanged::to, BackendEvent.HealthChanged::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(BackendHealth.EJECTED,
                "ejected for 5m after 1 consecutive connect failures: connection refused"),
            org.assertj.core.groups.Tuple.tuple(BackendHealth.UP,
                "passed 2 consecutive health checks since its ejection"));
  }

  @Test
  void keepsTheEjectionWhenUnejectOnActiveCheckIsOff(Vertx vertx) {
    ScriptedCheck check = new ScriptedCheck().script(A, true, true, false, false, false, true).script(B, true);
    BackendRegistry registry = start(vertx, check, new PassiveHealthOptions().setConsecutiveFailures(1)
        .setUnejectOnActiveCheck(false).setBaseEjectionTime(Duration.ofMinutes(5))
        .setMaxEjectionTime(Duration.ofMinutes(5)));
    BackendStateImpl a = registry.states().get(0);

    monitor.connectFailed(a, new ConnectException("connection refused"));

    // Down after three failed probes, then passing again: the active verdict lifts, the ejection stays.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> transitions.size() == 3);
    assertThat(transitions).extracting(BackendEvent.HealthChanged::to).containsExactly(BackendHealth.EJECTED,
        BackendHealth.DOWN, BackendHealth.EJECTED);
    assertThat(transitions.get(2).reason())
        .startsWith("passes health checks again (2 in a row) but stays ejected by passive health for another ");
    assertThat(a.health()).isEqualTo(BackendHealth.EJECTED);
  }
}
