package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.health.PassiveHealthOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Rules the builder checks across settings, one per test. */
@ExtendWith(VertxExtension.class)
class ReverseProxyBuilderTest {

  @Test
  void requiresAtLeastOneBackend(Vertx vertx) {
    assertThatThrownBy(() -> ReverseProxy.builder(vertx).build())
        .isInstanceOf(IllegalStateException.class).hasMessage(
            "backends: none set (expected: at least one backend or discovery source)");
  }

  @Test
  void rejectsAnAddressAddedTwice(Vertx vertx) {
    assertThatThrownBy(() -> ReverseProxy.builder(vertx)
        .backend(new Backend("a", 1)).backend(new Backend("a", 1, 3)).build())
        .hasMessage("backends: a:1 is listed twice");
  }

  @Test
  void rejectsMaxEjectionTimeBelowBase(Vertx vertx) {
    assertThatThrownBy(() -> ReverseProxy.builder(vertx).backend(new Backend("a", 1))
        .passiveHealth(new PassiveHealthOptions().setBaseEjectionTime(Duration.ofSeconds(60))
            .setMaxEjectionTime(Duration.ofSeconds(10)))
        .build())
        .hasMessage("passive health: maxEjectionTime 10s is below baseEjectionTime 1m");
  }

  @Test
  void copiesOptionsSoLaterChangesDoNotLeakIn(Vertx vertx) {
    ReverseProxyOptions options = new ReverseProxyOptions().setHost("127.0.0.1").setPort(0);
    ReverseProxy proxy = ReverseProxy.builder(vertx).backends(List.of(new Backend("127.0.0.1", 1))).with(options)
        .build();
    options.setPort(1);

    proxy.start().await();
    assertThat(proxy.actualPort()).isNotEqualTo(1).isPositive();
    proxy.close().await();
  }

  @Test
  void reportsEveryBackendUpBeforeStart(Vertx vertx) {
    ReverseProxy proxy = ReverseProxy.builder(vertx).backends(Backend.parseList("a:1,b:2:3")).build();

    assertThat(proxy.backends()).extracting(BackendStatus::backend, BackendStatus::health).containsExactly(
        org.assertj.core.groups.Tuple.tuple(new Backend("a", 1), BackendHealth.UP),
        org.assertj.core.groups.Tuple.tuple(new Backend("b", 2, 3), BackendHealth.UP));
    assertThatThrownBy(proxy::actualPort).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cannotStartAfterClose(Vertx vertx) {
    ReverseProxy proxy = ReverseProxy.builder(vertx).backend(new Backend("a", 1)).build();
    proxy.close().await();

    assertThatThrownBy(() -> proxy.start().await()).hasMessageContaining("proxy closed");
  }
}
