package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command in-process: flag errors, help, version, and a port already taken. */
@Timeout(30)
class MainTest {

  private static final Main.Serving MUST_NOT_START = running -> {
    throw new AssertionError("the proxy started on port " + running.port());
  };

  /** Loopback, any port, a backend nobody listens on, no probes: everything but the flag under test is valid. */
  private static final List<String> VALID = List.of("--host", "127.0.0.1", "--port", "0", "--health-check", "none");

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  static Stream<Arguments> badFlags() {
    return Stream.of(
        bad(List.of("--backends", ""), "--backends", "empty (expected: host:port"),
        bad(List.of("--backends", "  "), "--backends", "empty (expected: host:port"),
        bad(List.of("--backends", "localhost"), "--backends", "backend 'localhost': missing ':port'"),
        bad(List.of("--backends", "localhost:3001,,localhost:3002"), "--backends", "has an empty item"),
        bad(List.of("--backends", "localhost:70000"), "--backends", "70000 out of range (expected: 1-65535)"),
        bad(List.of("--backends", "localhost:3001:0"), "--backends", "weight 0 out of range"),
        bad(List.of("--backends", "a:1,a:1"), "--backends", "a:1 is listed twice"),
        bad(List.of("--backends", "[::1:3001"), "--backends", "missing ']'"),
        bad(List.of("--port", "70000"), "--port", "70000 (expected: 0-65535)"),
        bad(List.of("--port", "-1"), "--port", "-1 (expected: 0-65535)"),
        bad(List.of("--port", "http"), "--port", "'http' is not an int"),
        bad(List.of("--port"), "--port", "Missing required parameter"),
        bad(List.of("--host", " "), "--host", "must not be blank"),
        bad(List.of("--frobnicate"), "Unknown option: '--frobnicate'", "expected: an option listed by hprp --help"),
        bad(List.of("--backend", "localhost:3001"), "Unknown options: '--backend'", "did you mean --backends"),
        bad(List.of("--connect-timeout", "5"), "--connect-timeout", "'5' is not a duration (expected: a whole number"),
        bad(List.of("--connect-timeout", "2x"), "--connect-timeout", "'2x' is not a duration"),
        bad(List.of("--connect-timeout", "1.5s"), "--connect-timeout", "'1.5s' is not a duration"),
        bad(List.of("--connect-timeout", "2h"), "--connect-timeout", "2h (expected: 1ms-1h)"),
        bad(List.of("--idle-timeout", "0s"), "--idle-timeout", "0ms (expected: 1ms-7d)"),
        bad(List.of("--idle-timeout", "99999999999d"), "--idle-timeout", "99999999999d (expected: 1ms-7d)"),
        bad(List.of("--idle-timeout", "9".repeat(30) + "d"), "--idle-timeout", "is too long a duration"),
        bad(List.of("--health-interval", "5ms"), "--health-interval", "5ms (expected: 10ms-1h)"),
        bad(List.of("--health-timeout", ""), "--health-timeout", "'' is not a duration"),
        bad(List.of("--transport", "kqueue"), "--transport", "'kqueue' (expected one of: auto, io_uring, epoll, nio)"),
        bad(List.of("--balancer", "fastest"), "--balancer", "'fastest' (expected one of: " + BalancerConverter.names()),
        bad(List.of("--health-check", "udp"), "--health-check", "'udp' (expected: none, tcp, http or http:/path)"),
        bad(List.of("--health-check", "http:health"), "--health-check", "expected: an absolute path such as /health"),
        bad(List.of("--rise", "0"), "--rise", "0 (expected: 1-100)"),
        bad(List.of("--fall", "101"), "--fall", "101 (expected: 1-100)"),
        bad(List.of("--event-loops", "0"), "--event-loops", "0 (expected: 1-1024)"),
        bad(List.of("--max-connect-attempts", "0"), "--max-connect-attempts", "0 (expected: 1-100)"),
        bad(List.of("--demo", "--backends", "localhost:3001"), "--backends cannot be used with --demo"),
        bad(List.of("stray"), "Unmatched argument", "'stray'"));
  }

  private static Arguments bad(List<String> flags, String... expected) {
    return Arguments.of(String.join(" ", flags), flags, List.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFlags")
  void badFlagExitsWithUsageErrorNamingIt(String shown, List<String> flags, List<String> expected) {
    boolean givesBackends = flags.contains("--backends") || flags.contains("--demo");
    List<String> args = Stream.of(
            givesBackends ? List.<String>of() : List.of("--backends", "127.0.0.1:1"),
            flags.contains("--host") || flags.contains("--port") ? List.<String>of() : VALID,
            flags)
        .flatMap(List::stream)
        .toList();

    int code = run(args.toArray(String[]::new));

    assertThat(code).as("exit code").isEqualTo(2);
    assertThat(err.toString()).as("stderr").hasLineCount(1).startsWith("hprp: ")
        .contains(expected).doesNotContain("Exception", "\tat ");
    assertThat(out.toString()).as("stdout").isEmpty();
  }

  @Test
  void missingBackendsNamesTheFlagAndTheDemo() {
    assertThat(run("--port", "0")).isEqualTo(2);
    assertThat(err.toString()).hasLineCount(1)
        .contains("Missing required option '--backends' (expected: host:port[:weight], dns:NAME:PORT or srv:NAME, "
            + "comma-separated, or --demo)");
  }

  @Test
  void portInUseExitsWithFailure() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      int code = run("--host", "127.0.0.1", "--port", String.valueOf(port), "--backends", "127.0.0.1:1",
          "--health-check", "none");

      assertThat(code).isEqualTo(1);
      assertThat(err.toString()).hasLineCount(1)
          .isEqualToIgnoringNewLines("hprp: cannot listen on 127.0.0.1:" + port
              + ": address already in use (is another server running there? try another --port)");
      assertThat(out.toString()).isEmpty();
    }
  }

  @Test
  void helpListsEveryFlagWithTheCoreDefaults() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("--port=PORT", "--backends=ENTRY,...", "--demo", "--verbose", "--version")
        .contains("Default: " + ReverseProxyOptions.DEFAULT_PORT + ".")
        .contains("Default: " + ReverseProxyOptions.DEFAULT_HOST + " ")
        .contains("Default: " + Durations.format(ReverseProxyOptions.DEFAULT_CONNECT_TIMEOUT) + ".")
        .contains("Default: " + Durations.format(HealthCheckOptions.DEFAULT_INTERVAL) + ".")
        .contains("Default: round-robin.", "Default: tcp.");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void versionNamesTheBuild() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("hprp " + Version.hprp()).contains("Vert.x 5.").doesNotContain("${");
  }

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), MUST_NOT_START, args);
  }
}
