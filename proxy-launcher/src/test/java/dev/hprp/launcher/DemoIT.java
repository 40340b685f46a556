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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code hprp --demo} in-process: the three demo backends answer through the proxy, one after the other. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DemoIT {

  @Test
  void demoAnswersThroughTheProxyFromEachBackendInTurn(Vertx vertx) {
    // A connection per request, as curl does: round-robin balances connections, not requests.
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    List<String> answers = new ArrayList<>();
    List<BackendStatus> atStart = new ArrayList<>();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    // A generous probe timeout: on a busy machine the first HTTP probe of a cold JVM can take over a second.
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), running -> {
      atStart.addAll(running.proxy().backends());
      for (int i = 0; i < DemoBackends.COUNT; i++) {
        answers.add(client.request(HttpMethod.GET, running.port(), "127.0.0.1", "/")
            .compose(request -> request.send())
            .compose(HttpClientResponse::body)
            .await()
            .toString());
      }
      return 0;
    }, "--demo", "--host", "127.0.0.1", "--port", "0", "--health-timeout", "10s");

    assertThat(code).as("exit code; stderr: %s", err).isZero();
    assertThat(atStart).extracting(BackendStatus::health).containsOnly(BackendHealth.UP).hasSize(3);
    assertThat(answers).containsExactly("demo-backend-1\n", "demo-backend-2\n", "demo-backend-3\n");
    assertThat(out.toString())
        .containsPattern("^hprp \\S+ listening on 127\\.0\\.0\\.1:\\d+, mode TCP, balancer round-robin, "
            + "health check http:/health, backends 127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+, "
            + "transport .+, \\d+ event loop\\(s\\)$");
  }
}
