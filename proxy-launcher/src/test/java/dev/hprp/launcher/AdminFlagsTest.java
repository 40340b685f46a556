package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminFlagsTest {

  @Test
  void eachFlagReachesItsSetting() {
    AdminSettings admin = Flags.settings("--admin-port", "9901", "--admin-host", "0.0.0.0", "--admin-token", "s3cret",
        "--access-log", "--drain-timeout", "5s").admin();

    assertThat(admin).isEqualTo(new AdminSettings(9901, "0.0.0.0", false, "s3cret", true, Duration.ofSeconds(5)));
    assertThat(admin.enabled()).isTrue();
  }

  @Test
  void withoutFlagsTheEndpointIsOffOnLoopbackAndTheDrainIs30s() {
    AdminSettings admin = Flags.settings().admin();

    assertThat(admin).isEqualTo(new AdminSettings(null, "127.0.0.1", true, null, false, Duration.ofSeconds(30)));
    assertThat(admin.enabled()).isFalse();
  }

  @Test
  void helpShowsTheDefaults() {
    assertThat(Flags.help()).contains("Default: off.", "Default: 127.0.0.1.", "0ms-7d. Default: 30s.");
  }

  @Test
  void nonLoopbackAdminHostWithoutATokenRefusesToStart() {
    String line = Flags.usageError("--backends", "127.0.0.1:1", "--admin-port", "0", "--admin-host", "0.0.0.0");

    assertThat(line).isEqualTo("hprp: --admin-host 0.0.0.0 is not a loopback address, and the admin endpoint can "
        + "change backends (expected: --admin-token as well, or a loopback --admin-host)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--admin-port|70000|70000 (expected: 0-65535)",
      "--admin-port|http|'http' is not an int",
      "--admin-host|' '|must not be blank",
      "--admin-token|'a b'|one or more visible ASCII characters",
      "--drain-timeout|8d|8d (expected: 0ms-7d)"})
  void badValueExitsWith2NamingTheFlag(String flag, String value, String expected) {
    assertThat(Flags.refusal(flag, value)).contains(expected);
  }
}
