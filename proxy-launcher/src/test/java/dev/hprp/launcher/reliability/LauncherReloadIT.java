package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.testing.Clients;
import dev.hprp.proxy.testing.HeldConnections;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.TestBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP reloads the config file of the launcher process: a new backend list takes the new connections while a
 * connection relayed to a backend that left goes on (drained, not dropped); a restart-only change is reported and
 * kept; a file that does not validate is refused with its line and key, and the proxy serves on as before. Started
 * with SIGHUP ignored (as under {@code nohup}), it says that the signal will not reload.
 */
class LauncherReloadIT {

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void sighupMovesNewConnectionsToTheNewBackendsKeepsOpenOnesAndRefusesABadFile() throws Exception {
    Vertx vertx = nativeVertx.get();
    TestBackend first = TestBackend.start(vertx, TestBackend.Mode.ECHO).await();
    TestBackend second = TestBackend.named(vertx, "second").await();
    Path config = dir.resolve("hprp.yaml");
    Files.writeString(config, "host: 127.0.0.1\nport: 0\nhealth-check: none\nbackends:\n  - " + first.backend()
        + "\n");

    try (LauncherProcess hprp = LauncherProcess.start("--config", config.toString())) {
      int port = hprp.awaitPort(60, TimeUnit.SECONDS);
      assertThat(hprp.output()).contains(", config " + config);
      NetClient client = vertx.createNetClient();
      NetSocket held = HeldConnections.openOne(client, port, 1).await(20, TimeUnit.SECONDS);

      Files.writeString(config, "host: 127.0.0.1\nport: 0\nhealth-check: none\nevent-loops: 7\nbackends:\n"
          + "  - address: " + second.backend() + "\n    max-connections: 5\n");
      hprp.signal("HUP");
      await("the reload logged").atMost(Duration.ofSeconds(30))
          .until(() -> hprp.output().contains("reloaded " + config));
      assertThat(hprp.output()).contains("reloaded " + config + ": backends " + second.backend()
          + "; changed but kept until a restart: event-loops").doesNotContain("SIGHUP is ignored");

      assertThat(Clients.exchange(vertx, client, port, Buffer.buffer("hi")).await(20, TimeUnit.SECONDS))
          .hasToString("second");
      // The connection relayed to the backend that left still relays both ways.
      Buffer echoed = Buffer.buffer();
      held.handler(echoed::appendBuffer);
      held.write("still here");
      await("the held connection's echo").atMost(Duration.ofSeconds(20)).until(() -> echoed.length() == 10);
      assertThat(echoed).hasToString("still here");

      Files.writeString(config, "host: 127.0.0.1\nport: 0\nhealth-check: none\nbackends:\n"
          + "  - address: " + second.backend() + "\n    weight: 0\n");
      hprp.signal("HUP");
      await("the refusal logged").atMost(Duration.ofSeconds(30)).until(() -> hprp.output().contains("refused"));
      assertThat(hprp.output()).contains("reload of " + config + " refused, the running configuration is kept: "
          + config + ":6: backends[0].weight: 0 (expected: 1-256)");
      assertThat(Clients.exchange(vertx, client, port, Buffer.buffer("hi")).await(20, TimeUnit.SECONDS))
          .hasToString("second");

      held.close().await(10, TimeUnit.SECONDS);
      // The clients are closed: the drain that SIGTERM starts finishes at once, and the exit says so.
      assertThat(hprp.stop(30, TimeUnit.SECONDS)).as("exit code; output:%n%s", hprp.output()).isZero();
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void startedWithSighupIgnoredItSaysThatKillHupWillNotReloadAndHowToReload() throws Exception {
    Vertx vertx = nativeVertx.get();
    TestBackend backend = TestBackend.named(vertx, "only").await();
    Path config = dir.resolve("hprp.yaml");
    Files.writeString(config, "host: 127.0.0.1\nport: 0\nhealth-check: none\nbackends:\n  - " + backend.backend()
        + "\n");

    try (LauncherProcess hprp = LauncherProcess.startIgnoringHangUp("--config", config.toString())) {
      hprp.awaitPort(60, TimeUnit.SECONDS);
      await("the warning").atMost(Duration.ofSeconds(30)).until(() -> hprp.output().contains("SIGHUP is ignored"));
      assertThat(hprp.output()).contains("hprp: SIGHUP is ignored in this process (started with nohup?), so kill -HUP "
          + "will not reload the config file: use POST /reload on the admin endpoint, or start hprp without nohup");
      assertThat(hprp.stop(30, TimeUnit.SECONDS)).as("exit code; output:%n%s", hprp.output()).isZero();
    }
  }
}
