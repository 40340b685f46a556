package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RangesTest {

  @Test
  void intWithinRangeIsReturnedBoundsIncluded() {
    assertThat(Ranges.check("port", 0, 0, 65535)).isZero();
    assertThat(Ranges.check("port", 65535, 0, 65535)).isEqualTo(65535);
  }

  @Test
  void intOutsideRangeNamesSettingValueAndRange() {
    assertThatThrownBy(() -> Ranges.check("port", 99999, 0, 65535))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port: 99999 (expected: 0-65535)");
    assertThatThrownBy(() -> Ranges.check("port", -1, 0, 65535)).hasMessage("port: -1 (expected: 0-65535)");
    assertThatThrownBy(() -> Ranges.check("rise", Integer.MIN_VALUE, 1, 100))
        .hasMessage("rise: -2147483648 (expected: 1-100)");
  }

  @Test
  void doubleWithinRangeIsReturnedBoundsIncluded() {
    assertThat(Ranges.check("jitter", 0.0, 0.0, 1.0)).isZero();
    assertThat(Ranges.check("jitter", 1.0, 0.0, 1.0)).isEqualTo(1.0);
  }

  @Test
  void doubleOutsideRangeOrNanNamesSettingValueAndRange() {
    assertThatThrownBy(() -> Ranges.check("jitter", 1.5, 0.0, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("jitter: 1.5 (expected: 0.0-1.0)");
    assertThatThrownBy(() -> Ranges.check("jitter", Double.NaN, 0.0, 1.0))
        .hasMessage("jitter: NaN (expected: 0.0-1.0)");
    assertThatThrownBy(() -> Ranges.check("jitter", Double.NEGATIVE_INFINITY, 0.0, 1.0))
        .hasMessage("jitter: -Infinity (expected: 0.0-1.0)");
  }

  @Test
  void durationWithinRangeIsReturnedBoundsIncluded() {
    Duration min = Duration.ofMillis(1);
    Duration max = Duration.ofDays(7);
    assertThat(Ranges.check("idleTimeout", min, min, max)).isSameAs(min);
    assertThat(Ranges.check("idleTimeout", max, min, max)).isSameAs(max);
  }

  @Test
  void durationOutsideRangeNamesSettingValueAndRangeAsWritten() {
    assertThatThrownBy(() -> Ranges.check("idleTimeout", Duration.ZERO, Duration.ofMillis(1), Duration.ofDays(7)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout: 0ms (expected: 1ms-7d)");
    assertThatThrownBy(() -> Ranges.check("earlyCloseWindow", Duration.ofMillis(60_001), Duration.ZERO,
        Duration.ofMinutes(1))).hasMessage("earlyCloseWindow: 60001ms (expected: 0ms-1m)");
    assertThatThrownBy(() -> Ranges.check("connectTimeout", Duration.ofMillis(-1), Duration.ofMillis(1),
        Duration.ofHours(1))).hasMessage("connectTimeout: -1ms (expected: 1ms-1h)");
  }

  @Test
  void durationCheckIsExactBeyondMillisecondsAndWithoutOverflow() {
    Duration min = Duration.ofMillis(1);
    Duration max = Duration.ofHours(1);
    assertThatThrownBy(() -> Ranges.check("connectTimeout", Duration.ofNanos(999_999), min, max))
        .hasMessage("connectTimeout: 0ms (expected: 1ms-1h)");
    assertThatThrownBy(() -> Ranges.check("connectTimeout", max.plusNanos(1), min, max))
        .hasMessage("connectTimeout: 1h (expected: 1ms-1h)");
    assertThatThrownBy(() -> Ranges.check("connectTimeout", Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), min, max))
        .hasMessage("connectTimeout: 9223372036854775807999ms (expected: 1ms-1h)");
  }

  @Test
  void nullDurationNamesTheSetting() {
    assertThatThrownBy(() -> Ranges.check("idleTimeout", null, Duration.ZERO, Duration.ofDays(7)))
        .isInstanceOf(NullPointerException.class).hasMessage("idleTimeout");
  }
}
