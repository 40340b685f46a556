package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps README.md true: its embedding example is the code between the README markers below, run here, and its flag
 * table lists every flag of the command with the default the command uses.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ReadmeTest {

  private static final Logger log = LoggerFactory.getLogger(ReadmeTest.class);
  private static final Path README = Path.of(System.getProperty("hprp.readme", "../README.md"));
  private static final Path SELF = Path.of("src/test/java/dev/hprp/launcher/ReadmeTest.java");
  /** The example project (examples/embedded), which builds against the installed artifacts as a user's would. */
  private static final Path EXAMPLE_PROJECT = README.toAbsolutePath().getParent().resolve("examples/embedded");
  private static final Path EXAMPLE_TEST =
      EXAMPLE_PROJECT.resolve("src/test/java/com/example/embedded/EmbeddedProxyTest.java");
  private static final Pattern XML_BLOCK = Pattern.compile("(?s)```xml\n(.*?)\n```\n");
  private static final Pattern BOM_VERSION =
      Pattern.compile("<artifactId>hprp-bom</artifactId>\\s*<version>([^<]+)</version>");
  private static final Pattern EXAMPLE = Pattern.compile("(?s)\n( *)// README-BEGIN\n(.*?)\n *// README-END\n");

  @Test
  void embeddingExampleRunsAsWritten(Vertx backendVertx) {
    String backends = DemoBackends.start(backendVertx).await().stream()
        .map(Backend::id)
        .collect(Collectors.joining(","));
    String host = "127.0.0.1";
    int port = 0;

    // README-BEGIN
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));  // epoll when available
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(Backend.parseList(backends))     // such as "10.0.0.1:3001,10.0.0.2:3001:2" (host:port[:weight])
        .balancer(Balancer.roundRobin())
        .healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofSeconds(1)))
        .onHealthChange(t -> log.info("{} is {}: {}", t.backend().id(), t.to(), t.reason()))
        .with(new ReverseProxyOptions().setHost(host).setPort(port))  // port 0: any free port, see actualPort()
        .build();
    proxy.start().await();                         // blocks until listening; never call await() on an event loop
    log.info("listening on port {}, backends {}", proxy.actualPort(), proxy.backends());
    // README-END
    try {
      HttpClient client = backendVertx.createHttpClient();
      String answer = client.request(HttpMethod.GET, proxy.actualPort(), "127.0.0.1", "/")
          .compose(request -> request.send())
          .compose(HttpClientResponse::body)
          .await()
          .toString();
      assertThat(answer).matches("demo-backend-[1-3]\n");
      // Up after the first probe round, or after `rise` more probes when a cold JVM's first one timed out.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(proxy.backends()).extracting(BackendStatus::health).containsOnly(BackendHealth.UP));
    } finally {
      // README-BEGIN
      proxy.close().await();                       // stops accepting and closes its connections
      vertx.close().await();                       // the Vertx is yours to close
      // README-END
    }
  }

  @Test
  void readmeShowsTheExampleVerbatim() throws IOException {
    String readme = Files.readString(README);
    List<String> blocks = exampleBlocks(Files.readString(SELF));

    assertThat(blocks).hasSize(2);
    for (String block : blocks) {
      assertThat(readme).as("README.md shows this block as written in ReadmeTest")
          .contains("```java\n" + block + "\n```\n");
    }
  }

  @Test
  void exampleProjectRunsTheSameBlocks() throws IOException {
    assertThat(exampleBlocks(Files.readString(EXAMPLE_TEST)))
        .as("the blocks of %s", EXAMPLE_TEST)
        .isEqualTo(exampleBlocks(Files.readString(SELF)));
  }

  @Test
  void readmeMavenSnippetsAreTheExampleProjectsWithThisVersion() throws IOException {
    String readme = Files.readString(README);
    String pom = Files.readString(EXAMPLE_PROJECT.resolve("pom.xml"));
    List<String> snippets = XML_BLOCK.matcher(readme).results().map(m -> m.group(1)).collect(Collectors.toList());

    assertThat(snippets).as("the BOM import and the dependencies").hasSize(2);
    for (String snippet : snippets) {
      assertThat(unindented(pom)).as("examples/embedded/pom.xml has, but for indentation:%n%s", snippet)
          .contains(unindented(snippet));
    }
    for (String text : List.of(readme, pom)) {
      Matcher version = BOM_VERSION.matcher(text);
      assertThat(version.find()).isTrue();
      assertThat(version.group(1)).as("hprp-bom's version").isEqualTo(Version.hprp());
    }
  }

  @Test
  void readmeTableListsEveryFlagWithItsDefault() throws Exception {
    String readme = Files.readString(README);
    CommandSpec spec = HprpCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
        running -> 0).getCommandSpec();

    for (OptionSpec option : spec.options()) {
      String row = readme.lines()
          .filter(line -> line.startsWith("| `" + option.longestName() + "`")
              || line.startsWith("| `" + option.longestName() + " "))
          .findFirst()
          .orElse(null);
      assertThat(row).as("README table row for %s", option.longestName()).isNotNull();
      String byDefault = spec.defaultValueProvider().defaultValue(option);
      if (byDefault != null && !option.longestName().equals("--event-loops")) {
        assertThat(row).as("default of %s", option.longestName()).contains("| `" + byDefault + "` |");
      }
    }
  }

  @Test
  void readmeExplainsEveryBalancer() throws IOException {
    String readme = Files.readString(README);

    for (String name : new BalancerConverter()) {
      assertThat(readme).contains("| `" + name + "` |");
    }
  }

  private static String unindented(String text) {
    return text.lines().map(String::strip).collect(Collectors.joining("\n"));
  }

  /** The marked regions of {@code source}, each with its common indentation removed. */
  private static List<String> exampleBlocks(String source) {
    List<String> blocks = new ArrayList<>();
    Matcher m = EXAMPLE.matcher(source);
    while (m.find()) {
      int indent = m.group(1).length();
      blocks.add(m.group(2).lines()
          .map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
          .collect(Collectors.joining("\n")));
    }
    return blocks;
  }
}
