package dev.hprp.proxy.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code openssl s_client}: a TLS client offering what the JDK's own no longer can (TLS 1.1, at security level 0), for
 * the tests that check the proxy refuses it. Tests using it assume {@link #available()}.
 */
public final class OpenSslClient {

  private OpenSslClient() {
  }

  /** Whether the {@code openssl} command runs here. */
  public static boolean available() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * {@code openssl s_client} against {@code 127.0.0.1:port}, trusting the test CA and verifying the IP address, with
   * {@code args} added; its output (stdout and stderr) once it exits (within 30 s, else it is killed).
   */
  public static String sClient(int port, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-CAfile", TestCertificates.path("ca.pem").toString(), "-verify_ip", "127.0.0.1"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (Exception e) {
        return e.toString();
      }
    });
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return output.get(10, TimeUnit.SECONDS);
  }
}
