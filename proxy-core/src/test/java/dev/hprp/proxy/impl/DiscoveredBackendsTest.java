package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DiscoveryContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The union of the sources' sets and when it is handed to the proxy, with a recording stand-in for the proxy. */
@ExtendWith(VertxExtension.class)
class DiscoveredBackendsTest {

  private static final Backend A = new Backend("10.0.0.1", 80);
  private static final Backend B = new Backend("10.0.0.2", 80);
  private static final Backend C = new Backend("10.0.0.3", 80);
  private static final Backend FIXED = new Backend("10.0.0.9", 80);

  /** A source the test reports through; started once it reported its first set. */
  private static final class Pushed implements BackendDiscovery {
    private final Promise<Void> first = Promise.promise();
    private DiscoveryContext context;

    @Override
    public Future<Void> start(DiscoveryContext context) {
      this.context = context;
      return first.future();
    }

    void report(Backend... backends) {
      context.update(List.of(backends));
      first.tryComplete();
    }
  }

  /** One call of the applier, completed by the test. */
  private record Applied(List<Backend> before, List<Backend> after, Promise<Void> done) {
  }

  private final List<Applied> applied = new ArrayList<>();

  private Future<Void> record(List<Backend> before, List<Backend> after) {
    Promise<Void> done = Promise.promise();
    applied.add(new Applied(before, after, done));
    return done.future();
  }

  @Test
  void anUnchangedUnionInAnyOrderCallsNothingAndTheFixedBackendsAlwaysStay(Vertx vertx) {
    Pushed first = new Pushed();
    Pushed second = new Pushed();
    DiscoveredBackends discovered = new DiscoveredBackends(List.of(FIXED), List.of(first, second), this::record);
    Future<Void> started = discovered.start(vertx);
    first.report(A, FIXED);
    assertThat(applied).as("nothing before every source has reported").isEmpty();

    second.report(B);
    assertThat(started.isComplete()).isFalse();
    assertThat(applied).hasSize(1);
    assertThat(applied.get(0).before()).containsExactly(FIXED);
    assertThat(applied.get(0).after()).containsExactly(FIXED, A, B);
    applied.get(0).done().complete();
    assertThat(started.succeeded()).isTrue();

    second.report(B);
    first.report(FIXED, A);
    first.report();
    first.report(A);
    assertThat(applied).as("equal unions call nothing; a removal, then an addition, call once each").hasSize(3);
    assertThat(applied.get(1).after()).containsExactly(FIXED, B);
    assertThat(applied.get(2).after()).containsExactlyInAnyOrder(FIXED, B, A);
  }

  @Test
  void aChangeThatAddsAndRemovesAddsFirstAndRemovesOnceTheAdditionsAreIn(Vertx vertx) {
    Pushed source = new Pushed();
    DiscoveredBackends discovered = new DiscoveredBackends(List.of(), List.of(source), this::record);
    discovered.start(vertx);
    source.report(A);
    applied.get(0).done().complete();

    source.report(B, C);

    assertThat(applied).hasSize(2);
    assertThat(applied.get(1).after()).as("the old backend stays while the new ones join")
        .containsExactly(A, B, C);
    source.report(C);
    assertThat(applied).as("later reports wait for the additions").hasSize(2);

    applied.get(1).done().complete();
    assertThat(applied).hasSize(3);
    assertThat(applied.get(2).before()).containsExactly(A, B, C);
    assertThat(applied.get(2).after()).as("then the union of that moment").containsExactly(C);
  }
}
