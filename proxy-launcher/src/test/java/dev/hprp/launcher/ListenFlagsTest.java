package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.ReverseProxyOptions;
import org.junit.jupiter.api.Test;

class ListenFlagsTest {

  @Test
  void eachFlagReachesItsOption() {
    ReverseProxyOptions options = Flags.settings("--port", "0", "--host", "::1").options();

    assertThat(options.getPort()).isZero();
    assertThat(options.getHost()).isEqualTo("::1");
  }

  @Test
  void withoutFlagsTheCoreDefaultsHold() {
    ReverseProxyOptions options = Flags.settings().options();

    assertThat(options.getPort()).isEqualTo(ReverseProxyOptions.DEFAULT_PORT);
    assertThat(options.getHost()).isEqualTo(ReverseProxyOptions.DEFAULT_HOST);
  }

  @Test
  void helpShowsTheCoreDefaults() {
    assertThat(Flags.help()).contains("--port=PORT", "Default: " + ReverseProxyOptions.DEFAULT_PORT + ".",
        "--host=ADDRESS Address to listen on. Default: " + ReverseProxyOptions.DEFAULT_HOST + " (every interface).");
  }

  @Test
  void badValuesExitWith2NamingTheFlag() {
    assertThat(Flags.refusal("--port", "65536")).isEqualTo("65536 (expected: 0-65535)");
    assertThat(Flags.refusal("--port", "x")).isEqualTo("'x' is not an int");
    assertThat(Flags.refusal("--host", "")).isEqualTo("must not be blank");
  }
}
