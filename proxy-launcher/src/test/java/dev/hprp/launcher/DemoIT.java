package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.BackendHealth;
import dev.hprp.proxy.BackendStatus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code hprp --demo} in-process: the three demo backends answer through the proxy, one after the other. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DemoIT {

  private final List<String> answers = new ArrayList<>();
  private final List<BackendStatus> atStart = new ArrayList<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void demoAnswersThroughTheProxyFromEachBackendInTurn(Vertx vertx) {
    int code = runDemo(vertx);

    assertThat(code).as("exit code; stderr: %s", err).isZero();
    assertThat(atStart).extracting(BackendStatus::health).containsOnly(BackendHealth.UP).hasSize(3);
    assertThat(answers).containsExactly("demo-backend-1\n", "demo-backend-2\n", "demo-backend-3\n");
    assertThat(out.toString())
        .containsPattern("^hprp \\S+ listening on 127\\.0\\.0\\.1:\\d+, mode TCP, pool size 0, "
            + "balancer round-robin, "
            + "health check http:/health, backends 127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+, "
            + "transport .+, \\d+ event loop\\(s\\)$");
  }

  @ParameterizedTest
  @MethodSource("balancers")
  void everyBalancerServesTheDemo(String balancer, Vertx vertx) {
    int code = runDemo(vertx, "--balancer", balancer);

    assertThat(code).as("exit code; stderr: %s", err).isZero();
    assertThat(answers).hasSize(DemoBackends.COUNT).allMatch(answer -> answer.matches("demo-backend-[1-3]\n"));
    assertThat(out.toString()).contains(", balancer " + balancer + ", ");
  }

  static Stream<String> balancers() {
    return StreamSupport.stream(new BalancerConverter().spliterator(), false);
  }

  /** Runs {@code hprp --demo} in-process and sends it one request per demo backend. */
  private int runDemo(Vertx vertx, String... flags) {
    // A connection per request, as curl does: round-robin balances connections, not requests.
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    // A generous probe timeout: on a busy machine the first HTTP probe of a cold JVM can take over a second.
    List<String> args = new ArrayList<>(List.of(
        "--demo", "--host", "127.0.0.1", "--port", "0", "--health-timeout", "10s"));
    args.addAll(List.of(flags));
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), running -> {
      atStart.addAll(running.proxy().backends());
      for (int i = 0; i < DemoBackends.COUNT; i++) {
        answers.add(client.request(HttpMethod.GET, running.port(), "127.0.0.1", "/")
            .compose(request -> request.send())
            .compose(HttpClientResponse::body)
            .await()
            .toString());
      }
      return 0;
    }, args.toArray(String[]::new));
  }
}
