package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.testing.TestData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code --config} file: every flag as a key, flags over the file, and errors that name the line and key. */
class ConfigFileTest {

  /**
   * A value other than the default for each flag, so that a key read wrongly shows. Flags not listed (added later)
   * are tried with their default, which still proves the key is read.
   */
  private static final Map<String, String> SAMPLES = Map.ofEntries(
      Map.entry("--port", "9091"), Map.entry("--host", "127.0.0.2"), Map.entry("--backends", "10.0.0.9:3001:3"),
      Map.entry("--demo", "true"), Map.entry("--balancer", "power-of-two"), Map.entry("--health-check", "http:/up"),
      Map.entry("--health-interval", "150ms"), Map.entry("--health-timeout", "70ms"), Map.entry("--rise", "7"),
      Map.entry("--fall", "9"), Map.entry("--passive-failures", "11"), Map.entry("--ejection-time", "4s"),
      Map.entry("--max-ejection-time", "40m"), Map.entry("--max-ejected-percent", "20"),
      Map.entry("--uneject-on-check", "false"), Map.entry("--early-close-window", "0ms"),
      Map.entry("--connect-timeout", "333ms"), Map.entry("--idle-timeout", "2h"),
      Map.entry("--max-connect-attempts", "5"), Map.entry("--max-connections", "77"),
      Map.entry("--backend-max-connections", "6"), Map.entry("--max-queue", "12"),
      Map.entry("--queue-timeout", "900ms"), Map.entry("--client-timeout", "0ms"), Map.entry("--event-loops", "3"),
      Map.entry("--transport", "nio"), Map.entry("--verbose", "true"), Map.entry("--send-proxy", "v2"),
      Map.entry("--check-send-proxy", "true"), Map.entry("--accept-proxy", "true"),
      Map.entry("--trusted-proxies", "10.0.0.0/8,::1"), Map.entry("--tls-cert", tlsFile("server.pem")),
      Map.entry("--tls-key", tlsFile("server.key")), Map.entry("--tls-client-ca", tlsFile("ca.pem")),
      Map.entry("--backend-tls", "true"), Map.entry("--backend-ca", tlsFile("ca.pem")),
      Map.entry("--backend-sni", "api.test"), Map.entry("--backend-tls-insecure", "true"),
      Map.entry("--admin-port", "9901"), Map.entry("--admin-host", "127.0.0.2"), Map.entry("--admin-token", "t0ken"),
      Map.entry("--access-log", "true"), Map.entry("--drain-timeout", "7s"), Map.entry("--mode", "http"),
      Map.entry("--pool-size", "8"), Map.entry("--pool-queue", "9"), Map.entry("--pool-queue-timeout", "2s"),
      Map.entry("--keep-alive-timeout", "30s"), Map.entry("--response-timeout", "7s"),
      Map.entry("--max-header-size", "4096"), Map.entry("--request-header-timeout", "3s"),
      Map.entry("--forwarded-headers", "off"), Map.entry("--via", "off"), Map.entry("--hash-key", "client-ip"),
      Map.entry("--passive-server-errors", "true"), Map.entry("--dns-server", "127.0.0.1:5353"),
      Map.entry("--dns-min-refresh", "2s"), Map.entry("--dns-max-refresh", "40s"),
      Map.entry("--dns-empty-grace", "10s"), Map.entry("--dns-allow-empty", "true"));

  /** Flags that need others: given with them, in the file and on the command line alike. */
  private static final Map<String, List<String>> COMPANIONS = Map.ofEntries(
      Map.entry("--tls-cert", List.of("--tls-key")), Map.entry("--tls-key", List.of("--tls-cert")),
      Map.entry("--tls-client-ca", List.of("--tls-cert", "--tls-key")),
      Map.entry("--backend-ca", List.of("--backend-tls")), Map.entry("--backend-sni", List.of("--backend-tls")),
      Map.entry("--backend-tls-insecure", List.of("--backend-tls")),
      // HTTP mode's own: refused in TCP mode.
      Map.entry("--pool-queue", List.of("--mode")), Map.entry("--pool-queue-timeout", List.of("--mode")),
      Map.entry("--keep-alive-timeout", List.of("--mode")), Map.entry("--response-timeout", List.of("--mode")),
      Map.entry("--max-header-size", List.of("--mode")), Map.entry("--request-header-timeout", List.of("--mode")),
      Map.entry("--forwarded-headers", List.of("--mode")), Map.entry("--via", List.of("--mode")),
      Map.entry("--passive-server-errors", List.of("--mode")));

  private static String tlsFile(String name) {
    return TestData.dir().resolve("tls").resolve("test-only-" + name).toString();
  }

  @TempDir
  Path dir;

  private Path file(String yaml) throws IOException {
    Path file = dir.resolve("hprp.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void everyFlagsKeyGivesTheSameSettingsAsTheFlag() throws IOException {
    List<String> checked = new ArrayList<>();
    for (OptionSpec option : Flags.spec().options()) {
      String flag = option.longestName();
      if (List.of("--config", "--help", "--version").contains(flag)) {
        continue;
      }
      String value = SAMPLES.getOrDefault(flag, Flags.spec().defaultValueProvider() == null ? null
          : Flags.defaultOf(option));
      assertThat(value).as("a sample value for %s", flag).isNotNull();
      String key = flag.substring(2);
      StringBuilder yaml = new StringBuilder(flag.equals("--backends") ? "" : "backends: 127.0.0.1:1\n");
      List<String> flagArgs = new ArrayList<>(flag.equals("--backends") ? List.of() : List.of("--backends",
          "127.0.0.1:1"));
      for (String companion : COMPANIONS.getOrDefault(flag, List.of())) {
        yaml.append(companion.substring(2)).append(": \"").append(SAMPLES.get(companion)).append("\"\n");
        flagArgs.add(companion);
        if (Flags.spec().findOption(companion).arity().max() > 0) {
          flagArgs.add(SAMPLES.get(companion));
        }
      }
      Path file = file(yaml + key + ": \"" + value + "\"\n");
      flagArgs.add(flag);
      if (option.arity().max() > 0) {
        flagArgs.add(value);
      }
      Settings fromFlag = Flags.settings(flagArgs.toArray(String[]::new));
      Settings fromFile = Flags.settings("--config", file.toString());

      assertThat(fromFile).as("settings from %s: %s", key, value).usingRecursiveComparison()
          .ignoringFields("configFile").isEqualTo(fromFlag);
      assertThat(fromFile.configFile()).contains(file.toString());
      checked.add(key);
    }
    assertThat(checked).contains("port", "backends", "health-check", "backend-max-connections", "max-queue");
  }

  @Test
  void aFlagOnTheCommandLineOverridesTheFile() throws IOException {
    Path file = file("port: 9000\nbackends: [\"127.0.0.1:1\", \"127.0.0.1:2\"]\nrise: 4\n");

    Settings settings = Flags.settings("--config", file.toString(), "--port", "9001");

    assertThat(settings.options().getPort()).isEqualTo(9001);
    assertThat(settings.health().getRise()).isEqualTo(4);
    assertThat(settings.fixedBackends().orElseThrow())
        .containsExactly(new Backend("127.0.0.1", 1), new Backend("127.0.0.1", 2));
  }

  @Test
  void backendsAsMapsCarryTheirWeightsAndLimits() throws IOException {
    Path file = file("""
        backend-max-connections: 10
        backends:
          - 127.0.0.1:3001:2
          - address: 127.0.0.1:3002
            weight: 3
            max-connections: 50
        """);

    Settings settings = Flags.settings("--config", file.toString());

    assertThat(settings.fixedBackends().orElseThrow()).containsExactly(new Backend("127.0.0.1", 3001, 2),
        new Backend("127.0.0.1", 3002, 3));
    assertThat(settings.backendLimits()).isEqualTo(Map.of("127.0.0.1:3002", 50));
    assertThat(settings.options().getBackendMaxConnections()).isEqualTo(10);
    // --backends on the command line replaces the file's list, limits and all.
    assertThat(Flags.settings("--config", file.toString(), "--backends", "127.0.0.1:3002").backendLimits()).isEmpty();
  }

  @Test
  void backendsTakeDnsEntriesAmongFixedOnes() throws IOException {
    Path file = file("""
        backends:
          - dns:backend.default.svc.cluster.local:8080
          - 10.0.0.9:8080:2
          - srv:_http._tcp.backend.default.svc.cluster.local
        dns-min-refresh: 2s
        """);

    Settings settings = Flags.settings("--config", file.toString());

    assertThat(settings.backends()).map(Object::toString).containsExactly(
        "dns:backend.default.svc.cluster.local:8080", "10.0.0.9:8080:2",
        "srv:_http._tcp.backend.default.svc.cluster.local");
    assertThat(settings.dns().getMinRefresh()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.fixedBackends()).as("a reload cannot replace DNS entries' backends").isEmpty();
  }

  @Test
  void theAnnotatedExampleIsValid() {
    Path example = TestData.dir().resolve("hprp.example.yaml");

    Settings settings = Flags.settings("--config", example.toString());

    assertThat(settings.fixedBackends().orElseThrow()).containsExactly(new Backend("10.0.0.1", 3001),
        new Backend("10.0.0.2", 3001, 2), new Backend("10.0.0.3", 3001, 1));
    assertThat(settings.backendLimits()).isEqualTo(Map.of("10.0.0.3:3001", 50));
    assertThat(settings.options().getBackendMaxConnections()).isEqualTo(100);
    assertThat(settings.options().getQueueTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.healthCheck().text()).isEqualTo("http:/health");
    assertThat(settings.balancer()).hasToString("least-connections");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      // The value refused by the core, by picocli, and by the backends' reader, each named by line and key.
      "backends: 127.0.0.1:1\\nrise: 101|hprp.yaml:2: rise: 101 (expected: 1-100)",
      "backends: 127.0.0.1:1\\n\\nhealth-interval: 2|hprp.yaml:3: health-interval: '2' is not a duration",
      "backends: 127.0.0.1:1\\nrise: many|hprp.yaml:2: rise: 'many' is not an int",
      "backends:\\n  - 127.0.0.1:1\\n  - 127.0.0.1:2\\n  - address: 127.0.0.1:3\\n    weight: 0"
          + "|hprp.yaml:5: backends[2].weight: 0 (expected: 1-256)",
      "backends:\\n  - address: 127.0.0.1:3\\n    max-connections: -2"
          + "|hprp.yaml:3: backends[0].max-connections: -2 (expected: 0-10000000)",
      "backends:\\n  - 127.0.0.1:1\\n  - 127.0.0.1:1:2|hprp.yaml:3: backends[1]: 127.0.0.1:1 is listed twice",
      "backends:\\n  - adress: 127.0.0.1:3|hprp.yaml:2: backends[0].adress: unknown key (did you mean address?)",
      "backends:\\n  - weight: 2|hprp.yaml:2: backends[0]: no address (expected: address: host:port)",
      "backends:\\n  - 127.0.0.1|hprp.yaml:2: backends[0]: backend '127.0.0.1': missing ':port'",
      "backends:\\n  - 127.0.0.1:1\\n  - dns:a.example:99999|hprp.yaml:3: backends[1]: ",
      "backends:\\n  - dns:a.example:80\\n  - dns:a.example:80|hprp.yaml:3: backends[1]: dns:a.example:80 is listed "
          + "twice (first as backends[0])",
      "backends: 127.0.0.1:1\\nresponse-timeout: 5s|hprp.yaml:2: response-timeout: 5s (expected: with --mode http;",
      "backends: 127.0.0.1:1\\nprot: 8080|hprp.yaml:2: prot: unknown key (did you mean port?)",
      "backends: 127.0.0.1:1\\nhealth-intervall: 2s|hprp.yaml:2: health-intervall: unknown key (did you mean "
          + "health-interval?)",
      "backends: 127.0.0.1:1\\nconfig: other.yaml|hprp.yaml:2: config: unknown key",
      "backends: 127.0.0.1:1\\nport: 1\\nport: 2|hprp.yaml:3: port: given twice (first on line 2)",
      "backends: 127.0.0.1:1\\nport:|hprp.yaml:2: port: no value",
      "backends: 127.0.0.1:1\\nport: {a: 1}|hprp.yaml:2: port: a map (expected: a value",
      "backends: 127.0.0.1:1\\nport: [8080|hprp.yaml:3: not valid YAML: expected ',' or ']'",
      "- port|hprp.yaml:1: (top): a list (expected: a mapping"})
  void eachErrorNamesTheLineAndTheKeyAndExitsWith2(String yaml, String expected) throws IOException {
    Path file = file(yaml.replace("\\n", "\n") + "\n");

    String line = Flags.usageError("--config", file.toString());

    assertThat(line).startsWith("hprp: " + file.getParent().resolve(expected.substring(0, expected.indexOf(':')))
        + expected.substring(expected.indexOf(':')));
  }

  @Test
  void aMissingFileIsAUsageError() {
    assertThat(Flags.usageError("--config", dir.resolve("absent.yaml").toString()))
        .isEqualTo("hprp: " + dir.resolve("absent.yaml") + ": cannot read it: no such file");
  }

  @Test
  void theStartUpLineNamesTheFile() throws Exception {
    Path file = file("backends: 127.0.0.1:1\nhealth-check: none\nport: 0\nhost: 127.0.0.1\n");
    StringWriter out = new StringWriter();

    int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), running -> 0,
        "--config", file.toString());

    assertThat(code).isZero();
    assertThat(out.toString()).contains(", config " + file);
  }
}
