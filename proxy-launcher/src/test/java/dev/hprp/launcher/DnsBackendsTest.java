package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.LoadClient;
import dev.hprp.proxy.testing.TestBackend;
import dev.hprp.proxy.testing.TestDnsServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command with DNS backend entries, in-process, against a DNS server of the test's own. */
@Timeout(60)
class DnsBackendsTest {

  private static final Buffer PING = Buffer.buffer("ping");

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private TestDnsServer dns;
  private Vertx vertx;

  @BeforeEach
  void start() {
    dns = TestDnsServer.start();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
    dns.close();
  }

  private int run(Main.Serving serving, String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), serving, args);
  }

  @Test
  void aNameWithoutAddressesStopsTheStartWithExitCode1NamingTheRecord() {
    int code = run(running -> {
      throw new AssertionError("started");
    }, "--host", "127.0.0.1", "--port", "0", "--backends", "dns:missing.test:8080",
        "--dns-server", dns.hostPort());

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).endsWith("hprp: cannot start: dns:missing.test:8080: no such name (NXDOMAIN) "
        + "(--dns-allow-empty starts without its backends)" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void relaysToTheAddressesANameResolvesTo() {
    TestBackend backend = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    dns.a("backend.test", 30, "127.0.0.1");

    int code = run(running -> {
      LoadClient load = LoadClient.start(vertx, running.port(), PING, PING, 1, 3, Duration.ofSeconds(20));
      load.done().await();
      assertThat(load.failures()).isEmpty();
      return 0;
    }, "--host", "127.0.0.1", "--port", "0", "--backends", "dns:backend.test:" + backend.port(),
        "--dns-server", dns.hostPort(), "--health-check", "none");

    assertThat(code).as("stderr: %s", err).isZero();
    assertThat(backend.accepted()).isEqualTo(3);
    assertThat(out.toString()).contains("backends dns:backend.test:" + backend.port() + ",");
  }
}
