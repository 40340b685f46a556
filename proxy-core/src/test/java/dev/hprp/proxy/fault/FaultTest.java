package dev.hprp.proxy.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.impl.ActiveFault;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FaultTest {

  @Test
  void factoriesMakeTheirEffectOnBothDirectionsOfEveryConnection() {
    Fault fault = Fault.latency(Duration.ofMillis(200), Duration.ofMillis(10));

    assertThat(fault.effect()).isEqualTo(new Fault.Latency(Duration.ofMillis(200), Duration.ofMillis(10)));
    assertThat(fault.direction()).isEqualTo(Fault.Direction.BOTH);
    assertThat(fault.backendId()).isNull();
    assertThat(fault.condition()).isNull();
    assertThat(fault.probability()).isEqualTo(1.0);
  }

  @Test
  void narrowingReturnsNewFaultsAndKeepsTheRest() {
    Fault base = Fault.bandwidth(1000).withSeed(3);
    Fault narrowed = base.withDirection(Fault.Direction.TO_CLIENT).withBackend("10.0.0.2:5432")
        .withProbability(0.25);

    assertThat(base.direction()).isEqualTo(Fault.Direction.BOTH);
    assertThat(narrowed.effect()).isEqualTo(base.effect());
    assertThat(narrowed.seed()).isEqualTo(3);
    assertThat(narrowed).hasToString("bandwidth(1000 B/s) to-client on 10.0.0.2:5432 probability 0.25 seed 3");
  }

  @Test
  void connectFaultsHaveNoDirection() {
    assertThatThrownBy(() -> Fault.refuseFirst(1).withDirection(Fault.Direction.TO_CLIENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("direction: TO_CLIENT (expected: BOTH for refuseFirst(1), which acts on connects)");
    assertThat(Fault.connectDelay(Duration.ofSeconds(1)).withDirection(Fault.Direction.BOTH).direction())
        .isEqualTo(Fault.Direction.BOTH);
  }

  @Test
  void httpFaultsActOnRequestsWithoutADirection() {
    Fault status = Fault.httpStatus(503, 0.25).withSeed(7);

    assertThat(status.effect()).isEqualTo(new Fault.HttpStatus(503));
    assertThat(status.effect().onRequest()).isTrue();
    assertThat(status.effect().onConnect()).isFalse();
    assertThat(status.probability()).isEqualTo(0.25);
    assertThat(status).hasToString("httpStatus(503) probability 0.25 seed 7");
    assertThat(Fault.abortAfterHeaders()).hasToString("abortAfterHeaders()");
    assertThat(Fault.abortAfterHeaders().effect().onRequest()).isTrue();
    assertThatThrownBy(() -> Fault.abortAfterHeaders().withDirection(Fault.Direction.TO_BACKEND))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("direction: TO_BACKEND (expected: BOTH for abortAfterHeaders(), which acts on requests)");
    assertThatThrownBy(() -> Fault.httpStatus(99, 1.0)).hasMessage("httpStatus status: 99 (expected: 200-599)");
    assertThatThrownBy(() -> Fault.httpStatus(600, 1.0)).hasMessage("httpStatus status: 600 (expected: 200-599)");
    assertThatThrownBy(() -> Fault.httpStatus(500, -0.1)).hasMessage("probability: -0.1 (expected: 0.0-1.0)");
  }

  @Test
  void outOfRangeValuesAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> Fault.latency(Duration.ofMillis(-1), Duration.ZERO))
        .hasMessage("latency base: -1ms (expected: 0ms-1d)");
    assertThatThrownBy(() -> Fault.stall(Duration.ofDays(2))).hasMessage("stall duration: 2d (expected: 0ms-1d)");
    assertThatThrownBy(() -> Fault.bandwidth(0)).hasMessage("bandwidth bytesPerSecond: 0 (expected: 1 or more)");
    assertThatThrownBy(() -> Fault.slicer(0, Duration.ZERO)).hasMessage("slicer maxBytes: 0 (expected: 1 or more)");
    assertThatThrownBy(() -> Fault.resetAfter(-1)).hasMessage("resetAfter bytes: -1 (expected: 0 or more)");
    assertThatThrownBy(() -> Fault.refuseFirst(0)).hasMessage("refuseFirst connections: 0 (expected: 1 or more)");
    assertThatThrownBy(() -> Fault.blackHole().withProbability(1.5))
        .hasMessage("probability: 1.5 (expected: 0.0-1.0)");
    assertThatThrownBy(() -> Fault.blackHole().withBackend(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void seededDrawsAreReproducibleAndUniform() {
    double[] first = IntStream.range(0, 10_000).mapToDouble(i -> ActiveFault.uniform(42, i)).toArray();
    double[] again = IntStream.range(0, 10_000).mapToDouble(i -> ActiveFault.uniform(42, i)).toArray();

    assertThat(first).isEqualTo(again);
    assertThat(Arrays.stream(first).allMatch(u -> u >= 0 && u < 1)).isTrue();
    long below = Arrays.stream(first).filter(u -> u < 0.3).count();
    assertThat(below).isBetween(2_800L, 3_200L);
  }
}
