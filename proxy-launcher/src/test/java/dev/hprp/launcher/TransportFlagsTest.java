package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ReverseProxyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TransportFlagsTest {

  @Test
  void eventLoopsReachTheOptions() {
    assertThat(Flags.settings("--event-loops", "3").options().getEventLoops()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(TransportChoice.class)
  void eachTransportIsChosenByName(TransportChoice choice) {
    assertThat(Flags.settings("--transport", choice.toString()).transport()).isEqualTo(choice);
  }

  @Test
  void withoutFlagsAutoOnOneEventLoopPerProcessor() {
    Settings settings = Flags.settings();

    assertThat(settings.transport()).isEqualTo(TransportChoice.AUTO);
    assertThat(settings.options().getEventLoops()).isEqualTo(ReverseProxyOptions.DEFAULT_EVENT_LOOPS);
    assertThat(Flags.help()).contains("Default: auto.",
        "Default: " + ReverseProxyOptions.DEFAULT_EVENT_LOOPS + " (the CPU count).");
  }

  @Test
  void badValuesExitWith2NamingTheFlag() {
    assertThat(Flags.refusal("--event-loops", "1025")).isEqualTo("1025 (expected: 1-1024)");
    assertThat(Flags.refusal("--transport", "kqueue"))
        .isEqualTo("'kqueue' (expected one of: auto, io_uring, epoll, nio)");
  }
}
