package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TlsFlagsTest {


  @TempDir
  Path dir;

  private static String tls(String name) {
    return TestCertificates.path(name).toString();
  }

  @Test
  void eachFlagReachesItsOption() {
    Settings settings = Flags.settings("--tls-cert", tls("server.pem"), "--tls-key", tls("server.key"),
        "--tls-client-ca", tls("ca.pem"), "--backend-tls", "--backend-ca", tls("ca.pem"), "--backend-sni", "api.test",
        "--backend-tls-insecure");

    TlsOptions termination = settings.tls().orElseThrow();
    assertThat(termination.getCertificate()).hasToString(tls("server.pem"));
    assertThat(termination.getKey()).hasToString(tls("server.key"));
    assertThat(termination.getClientCa()).map(Path::toString).contains(tls("ca.pem"));
    BackendTlsOptions origination = settings.backendTls().orElseThrow();
    assertThat(origination.getCa()).map(Path::toString).contains(tls("ca.pem"));
    assertThat(origination.getServerName()).contains("api.test");
    assertThat(origination.isInsecure()).isTrue();
  }

  @Test
  void offByDefault() {
    assertThat(Flags.settings().tls()).isEmpty();
    assertThat(Flags.settings().backendTls()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--tls-cert|server.pem|given without --tls-key (expected: both)",
      "--tls-key|server.key|given without --tls-cert (expected: both)",
      "--tls-client-ca|ca.pem|given without --tls-cert (expected: with TLS on)",
      "--backend-ca|ca.pem|given without --backend-tls (expected: with it)"})
  void aFlagWithoutTheOneItNeedsIsRefused(String flag, String file, String expected) {
    assertThat(Flags.refusal(flag, tls(file))).isEqualTo(expected);
  }

  @Test
  void anUnreadableFileIsRefusedNamingTheFlag() {
    assertThat(Flags.usageError("--tls-cert", dir.resolve("absent.pem").toString(), "--tls-key", tls("server.key")))
        .isEqualTo("hprp: Invalid value for option '--tls-cert': " + dir.resolve("absent.pem")
            + " (expected: a readable PEM file)");
  }

  @Test
  void aFileThatIsNotACertificateStopsTheStartNamingIt() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    StringWriter err = new StringWriter();

    int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), running -> 0,
        "--backends", "127.0.0.1:1", "--health-check", "none", "--host", "127.0.0.1", "--port", "0",
        "--tls-cert", junk.toString(), "--tls-key", tls("server.key"));

    assertThat(code).isEqualTo(HprpCommand.EXIT_FAILURE);
    assertThat(err.toString()).startsWith("hprp: tls: cannot use certificate " + junk + " with key ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "http"})
  void aReloadServesTheCertificateNowInTheFilesToNewConnections(String mode) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(Path.of(tls("server.pem")), cert);
    Files.copy(Path.of(tls("server.key")), key);
    Vertx vertx = Vertx.vertx();
    try {
      TestBackend backend = TestBackend.named(vertx, "ok").await();
      Path config = Files.writeString(dir.resolve("hprp.yaml"), "host: 127.0.0.1\nport: 0\nhealth-check: none\n"
          + "backends: " + backend.backend() + "\ntls-cert: " + cert + "\ntls-key: " + key + "\nmode: " + mode + "\n");
      NetClient client = TestCertificates.client(vertx, null);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();

      int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), running -> {
        assertThat(served(client, running.port())).isEqualTo(certificate(tls("server.pem")));
        Files.copy(Path.of(tls("server-renewed.pem")), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of(tls("server-renewed.key")), key, StandardCopyOption.REPLACE_EXISTING);
        assertThat(running.reload()).startsWith("reloaded " + config);
        assertThat(served(client, running.port())).isEqualTo(certificate(tls("server-renewed.pem")));
        // A broken certificate refuses the whole reload; the renewed one stays.
        Files.writeString(cert, "not a certificate");
        assertThat(running.reload()).contains("refused, the running configuration is kept: tls: cannot use "
            + "certificate " + cert);
        assertThat(served(client, running.port())).isEqualTo(certificate(tls("server-renewed.pem")));
        return 0;
      }, "--config", config.toString());

      assertThat(code).as("exit code; stderr: %s", err).isZero();
      assertThat(out.toString()).contains(", TLS");
    } finally {
      vertx.close().await();
    }
  }

  private static Certificate served(NetClient client, int port) throws Exception {
    return TestCertificates.served(client, port);
  }

  private static Certificate certificate(String file) {
    return TestCertificates.certificate(Path.of(file).getFileName().toString().replace("test-only-", ""));
  }
}
