package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --version}: Vert.x's and Netty's versions as found on the class path at run time. */
class VersionTest {

  @Test
  void nettyIsTheVersionOnTheClassPath() {
    assertThat(Version.netty())
        .isEqualTo(io.netty.util.Version.identify().get("netty-common").artifactVersion())
        .isEqualTo(io.netty.util.Version.identify().get("netty-transport-native-epoll").artifactVersion());
  }

  @Test
  void vertxIsTheVersionOnTheClassPath() {
    assertThat(Version.vertx()).matches("5\\.\\d+\\.\\d+.*");
  }

  @Test
  void oneNettyVersionIsPrintedAsIs() {
    assertThat(Version.netty(Map.of(
        "netty-common", "4.2.18.Final",
        "netty-transport", "4.2.18.Final",
        "netty-tcnative-classes", "2.0.84.Final")))
        .isEqualTo("4.2.18.Final");
  }

  @Test
  void aMixOfNettyVersionsIsNamedModuleByModule() {
    assertThat(Version.netty(Map.of(
        "netty-common", "4.2.20.Final",
        "netty-transport", "4.2.20.Final",
        "netty-transport-native-unix-common", "4.2.18.Final")))
        .isEqualTo("mixed (netty-common 4.2.20.Final, netty-transport 4.2.20.Final, "
            + "netty-transport-native-unix-common 4.2.18.Final)");
  }

  @Test
  void noNettyFoundIsUnknown() {
    assertThat(Version.netty(Map.of())).isEqualTo("unknown");
  }

  @Test
  void versionFlagPrintsTheRuntimeVersions() {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), running -> {
      throw new AssertionError("started");
    }, "--version");

    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("hprp " + Version.hprp() + System.lineSeparator())
        .contains("Vert.x " + Version.vertx() + ", Netty " + Version.netty() + ", Java " + Runtime.version());
  }
}
