package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.transport.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The packaged jar as users run it, through the start script {@code bin/hprp}: starts, answers, logs as configured,
 * and shuts down cleanly on SIGTERM.
 */
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
class LauncherJarIT {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+), .*transport (.+), ");

  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private Path stderr;
  private Process process;

  @Test
  void jarServesTheDemoAndStopsCleanlyOnSigterm() throws Exception {
    Matcher started = start();
    if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
      // The jar carries Netty's io_uring and epoll libraries; this JVM has the same ones on its class path.
      if (Transport.IO_URING.available()) {
        assertThat(started.group(2)).as("auto takes io_uring where the kernel allows it").isEqualTo("io_uring");
      } else {
        assertThat(started.group(2)).as("auto falls back to epoll, saying why")
            .startsWith("epoll (io_uring unavailable: ");
      }
    }

    assertThat(get(started.group(1))).matches("demo-backend-[1-3]\n");
    // The script replaced itself with the JVM (exec): the signal below reaches the JVM, whose exit code is the exit's.
    assertThat(process.toHandle().info().command()).hasValueSatisfying(command -> assertThat(command).endsWith("java"));

    // SIGTERM, as Process.destroy() sends, but without closing our end of the child's stdout as it does.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    assertThat(process.exitValue()).as("drained: nothing was open").isZero();
    assertThat(stdout.poll(10, TimeUnit.SECONDS))
        .as("draining line; stderr: %s", Files.readString(stderr))
        .startsWith("hprp draining: SIGTERM received, stopped accepting; ");
    assertThat(stdout.poll(10, TimeUnit.SECONDS))
        .as("shutdown line; stderr: %s", Files.readString(stderr))
        .startsWith("hprp stopped: drained in ");
    // Quiet by default: the command's own start-up line on stdout is all, the library's is not repeated on stderr.
    assertThat(Files.readString(stderr)).as("quiet by default")
        .doesNotContain("listening on", "DEBUG", "WARN", "ERROR", "Exception");
  }

  @Test
  void verboseLogsEachConnectionAtDebug() throws Exception {
    Matcher started = start("--verbose");

    get(started.group(1));

    await().atMost(Duration.ofSeconds(30))
        .until(() -> Files.readString(stderr).matches("(?s).* DEBUG TcpRelay - .* <-> 127\\.0\\.0\\.1:\\d+: closed.*"));
  }

  @Test
  void theStartScriptPassesTheArgumentsAndTheExitCodeThrough() throws Exception {
    Process usage = script("--port", "x").redirectErrorStream(true).start();
    String output = new String(usage.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(usage.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(usage.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("--port");
  }

  @Test
  void versionNamesTheNettyTheJarRunsOn() throws Exception {
    Process version = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString(), "--version")
        .redirectErrorStream(true)
        .start();
    String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(version.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(version.exitValue()).as(output).isZero();

    // Read at run time from the jar's merged META-INF/io.netty.versions.properties: one version for all its Netty
    // modules (a mix would print "mixed (...)"), the one the BOM pins, the one this build's class path has.
    String netty = io.netty.util.Version.identify().get("netty-common").artifactVersion();
    assertThat(netty).isEqualTo(System.getProperty("hprp.nettyVersion"));
    assertThat(output).contains("Vert.x " + Version.vertx() + ", Netty " + netty + ", Java ");
  }

  private static Path jar() {
    return Path.of(System.getProperty("hprp.jar", "target/hprp.jar"));
  }

  /**
   * {@code bin/hprp} with {@code args}, on this test's Java ({@code JAVA_HOME}) and the jar under test
   * ({@code HPRP_JAR}).
   */
  private static ProcessBuilder script(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of("..", "bin", "hprp").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("HPRP_JAR", jar().toAbsolutePath().toString());
    return builder;
  }

  /** Starts {@code bin/hprp --demo} on a free loopback port and returns the match of its start-up line. */
  private Matcher start(String... flags) throws IOException, InterruptedException {
    stderr = Files.createTempFile("hprp-it", ".err");
    List<String> args = new ArrayList<>(List.of(
        // A generous probe timeout: on a busy machine a cold JVM's first HTTP probe can take over a second.
        "--demo", "--host", "127.0.0.1", "--port", "0", "--health-timeout", "10s"));
    args.addAll(List.of(flags));
    process = script(args.toArray(String[]::new)).redirectError(stderr.toFile()).start();
    Thread reader = new Thread(this::readStdout, "hprp-stdout");
    reader.setDaemon(true);
    reader.start();

    String startLine = stdout.poll(60, TimeUnit.SECONDS);
    assertThat(startLine).as("start-up line; stderr: %s", Files.readString(stderr)).isNotNull();
    Matcher m = LISTENING.matcher(startLine);
    assertThat(m.find()).as(startLine).isTrue();
    return m;
  }

  /** One HTTP/1.0 request on its own connection, as curl sends it, so the proxied connection closes after it. */
  private static String get(String port) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(port))) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.0 200 OK\r\n");
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }

  private void readStdout() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      in.lines().forEach(stdout::add);
    } catch (IOException | UncheckedIOException e) {
      stdout.add("stdout unreadable: " + e);
    }
  }

  @AfterEach
  void stop() throws IOException, InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (stderr != null) {
      Files.delete(stderr);
    }
  }
}
