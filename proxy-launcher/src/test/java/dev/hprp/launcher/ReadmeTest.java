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
import dev.hprp.proxy.testing.ReadmeBlocks;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private static final Path README = ReadmeBlocks.readme();
  private static final Path SELF = Path.of("src/test/java/dev/hprp/launcher/ReadmeTest.java");

  @Test
  void embeddingExampleRunsAsWritten(Vertx backendVertx) {
    List<Backend> demo = DemoBackends.start(backendVertx).await();
    String backends = demo.subList(0, 2).stream().map(Backend::id).collect(Collectors.joining(","));
    String extra = demo.get(2).id();
    String host = "127.0.0.1";
    int port = 0;

    // README-BEGIN
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));  // epoll when available
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(Backend.parseList(backends))     // such as "10.0.0.1:3001,10.0.0.2:3001:2" (host:port[:weight])
        .balancer(Balancer.roundRobin())
        .healthCheck(HealthCheck.httpGet("/health"), new HealthCheckOptions().setInterval(Duration.ofSeconds(1)))
        .onBackendEvent(event -> log.info("{}", event))  // added, removed, health or admin state changed
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

      // README-BEGIN
      proxy.addBackend(Backend.parse(extra)).await();              // in rotation once its first probe answered
      proxy.setWeight(extra, 3).await();                           // new connections follow the new weight
      proxy.drain(extra).await();                                  // no new connection; open ones go on
      proxy.enable(extra).await();                                 // back in rotation
      proxy.removeBackend(extra, Duration.ofSeconds(30)).await();  // drained (open ones cut at 30 s), then gone
      proxy.updateBackends(Backend.parseList(backends + "," + extra + ":2"), Duration.ofSeconds(30))
          .await();                                                // the whole set: adds, re-weights, removes
      // README-END
      assertThat(proxy.backends()).extracting(BackendStatus::id).containsExactlyElementsOf(
          Backend.parseList(backends + "," + extra).stream().map(Backend::id).toList());
      assertThat(proxy.backends().get(2).backend().weight()).isEqualTo(2);
    } finally {
      // README-BEGIN
      proxy.close().await();                       // stops accepting and closes its connections
      vertx.close().await();                       // the Vertx is yours to close
      // README-END
    }
  }

  @Test
  void readmeShowsTheExampleVerbatim() {
    ReadmeBlocks.assertShown(SELF, 3);
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
}
