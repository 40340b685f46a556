package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** The packaged jar as users run it: starts, answers, and shuts down cleanly on SIGTERM. */
class LauncherJarIT {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+), .*transport (.+), ");

  @Test
  @Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
  void jarServesTheDemoAndStopsCleanlyOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("hprp.jar", "target/hprp.jar"));
    Path stderr = Files.createTempFile("hprp-it", ".err");
    Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
            "--demo", "--host", "127.0.0.1", "--port", "0", "--health-timeout", "10s")
        .redirectError(stderr.toFile())
        .start();
    try {
      BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> readLines(process, stdout), "hprp-stdout");
      reader.start();

      String startLine = stdout.poll(60, TimeUnit.SECONDS);
      assertThat(startLine).as("start-up line; stderr: %s", Files.readString(stderr)).isNotNull();
      Matcher m = LISTENING.matcher(startLine);
      assertThat(m.find()).as(startLine).isTrue();
      if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
        assertThat(m.group(2)).as("the fat jar carries Netty's epoll library").isEqualTo("native epoll");
      }

      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1) + "/"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).matches("demo-backend-[1-3]\n");

      // SIGTERM, as Process.destroy() sends, but without closing our end of the child's stdout as it does.
      assertThat(process.toHandle().destroy()).isTrue();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(process.exitValue()).as("128 + SIGTERM").isEqualTo(143);
      assertThat(stdout.poll()).as("shutdown line; stdout: %s, stderr: %s", stdout, Files.readString(stderr))
          .startsWith("hprp stopped: proxy and Vert.x closed in ");
      assertThat(Files.readString(stderr)).doesNotContain("Exception", "ERROR", "WARN");
    } finally {
      process.destroyForcibly();
      Files.delete(stderr);
    }
  }

  private static void readLines(Process process, BlockingQueue<String> lines) {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      in.lines().forEach(lines::add);
    } catch (IOException | UncheckedIOException e) {
      lines.add("stdout unreadable: " + e);
    }
  }
}
