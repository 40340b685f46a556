package dev.hprp.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Passive health's early-close window and active-check unejection; its other settings: ReverseProxyOptionsTest. */
class PassiveHealthOptionsTest {

  @Test
  void newSettingsDefaultToTheirConstants() {
    PassiveHealthOptions options = new PassiveHealthOptions();

    assertThat(options.isUnejectOnActiveCheck()).isTrue()
        .isEqualTo(PassiveHealthOptions.DEFAULT_UNEJECT_ON_ACTIVE_CHECK);
    assertThat(options.getEarlyCloseWindow()).isEqualTo(Duration.ofSeconds(1))
        .isEqualTo(PassiveHealthOptions.DEFAULT_EARLY_CLOSE_WINDOW);
  }

  @Test
  void settersStoreWhatTheyAreGiven() {
    PassiveHealthOptions options = new PassiveHealthOptions()
        .setUnejectOnActiveCheck(false)
        .setEarlyCloseWindow(Duration.ofMillis(250));

    assertThat(options.isUnejectOnActiveCheck()).isFalse();
    assertThat(options.getEarlyCloseWindow()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void earlyCloseWindowTakesZeroToOneMinute() {
    assertThat(new PassiveHealthOptions().setEarlyCloseWindow(Duration.ZERO).getEarlyCloseWindow()).isZero();
    assertThat(new PassiveHealthOptions().setEarlyCloseWindow(Duration.ofMinutes(1)).getEarlyCloseWindow())
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void rejectsEarlyCloseWindowOverOneMinute() {
    assertThatThrownBy(() -> new PassiveHealthOptions().setEarlyCloseWindow(Duration.ofMinutes(1).plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("earlyCloseWindow: 60001ms (expected: 0ms-1m)");
  }

  @Test
  void rejectsNegativeEarlyCloseWindow() {
    assertThatThrownBy(() -> new PassiveHealthOptions().setEarlyCloseWindow(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("earlyCloseWindow: -1ms (expected: 0ms-1m)");
  }

  @Test
  void rejectsNullEarlyCloseWindow() {
    assertThatThrownBy(() -> new PassiveHealthOptions().setEarlyCloseWindow(null))
        .isInstanceOf(NullPointerException.class).hasMessage("earlyCloseWindow");
  }

  @Test
  void aRefusedValueLeavesTheSettingUnchanged() {
    PassiveHealthOptions options = new PassiveHealthOptions().setEarlyCloseWindow(Duration.ofMillis(300));

    assertThatThrownBy(() -> options.setEarlyCloseWindow(Duration.ofHours(1)));

    assertThat(options.getEarlyCloseWindow()).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void copyConstructorCopiesEverySetting() {
    PassiveHealthOptions options = new PassiveHealthOptions().setEnabled(false).setConsecutiveFailures(2)
        .setBaseEjectionTime(Duration.ofSeconds(5)).setMaxEjectionTime(Duration.ofMinutes(2)).setMaxEjectedPercent(30)
        .setUnejectOnActiveCheck(false).setEarlyCloseWindow(Duration.ZERO);

    assertThat(new PassiveHealthOptions(options)).usingRecursiveComparison().isEqualTo(options);
  }

  @Test
  void toStringShowsEverySetting() {
    assertThat(new PassiveHealthOptions().setUnejectOnActiveCheck(false).setEarlyCloseWindow(Duration.ofMillis(500))
            .setCountServerErrors(true))
        .hasToString("PassiveHealthOptions{enabled=true, consecutiveFailures=5, baseEjectionTime=PT30S, "
            + "maxEjectionTime=PT5M, maxEjectedPercent=50, unejectOnActiveCheck=false, earlyCloseWindow=PT0.5S, "
            + "countServerErrors=true}");
  }
}
