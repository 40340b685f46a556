package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.StreamingBackend;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM on the launcher process with a 50 MiB download in flight whose reader has stopped: the proxy stops
 * accepting at once, {@code /readyz} answers 503, and the download completes byte-exact once read (exit 0), or is cut
 * at a short drain timeout (exit 143, saying so); a second signal exits at once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DrainIT {

  private static final long LENGTH = 50L << 20;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void downloadInFlightCompletesByteExactAndTheProcessExitsZero() throws Exception {
    StreamingBackend backend = StreamingBackend.start(nativeVertx.get(), LENGTH, 64 * 1024).await();
    try (LauncherProcess hprp = start(backend, "60s");
        Socket download = connect(hprp.awaitPort(60, TimeUnit.SECONDS))) {
      int port = hprp.awaitPort(1, TimeUnit.SECONDS);
      int admin = hprp.adminPort();
      assertThat(readyz(admin)).isEqualTo(200);
      InputStream in = download.getInputStream();
      long stream = readStreamNumber(in);
      CRC32C crc = new CRC32C();
      long received = read(in, crc, 1 << 20); // flowing; then the reader stops

      hprp.signal();
      await("/readyz turns 503").atMost(Duration.ofSeconds(30)).until(() -> readyz(admin) == 503);
      assertThat(refusedOrReset(port)).as("a new client is turned away").isTrue();
      await("the draining line").atMost(Duration.ofSeconds(30))
          .until(() -> hprp.output().contains("hprp draining: SIGTERM received"));
      received += read(in, crc, Long.MAX_VALUE);

      assertThat(received).isEqualTo(LENGTH);
      await("the backend's record of the stream").atMost(Duration.ofSeconds(30))
          .until(() -> backend.sent().stream().anyMatch(s -> s.number() == stream));
      StreamingBackend.Stream sent = backend.sent().stream().filter(s -> s.number() == stream).findFirst()
          .orElseThrow();
      assertThat(crc.getValue()).as("CRC-32C of the 50 MiB").isEqualTo(sent.crc());
      download.close(); // as a client does at the end of its download: the relay ends with it
      assertThat(hprp.awaitExit(60, TimeUnit.SECONDS)).as("exit code; output:%n%s", hprp.output()).isZero();
      assertThat(hprp.output()).contains("every connection finished");
    }
  }

  @Test
  void downloadStillOpenAtTheDrainTimeoutIsCutAndTheExitSaysSo() throws Exception {
    StreamingBackend backend = StreamingBackend.start(nativeVertx.get(), LENGTH, 64 * 1024).await();
    try (LauncherProcess hprp = start(backend, "1s");
        Socket download = connect(hprp.awaitPort(60, TimeUnit.SECONDS))) {
      InputStream in = download.getInputStream();
      readStreamNumber(in);
      long received = read(in, new CRC32C(), 1 << 20);

      hprp.signal();

      assertThat(hprp.awaitExit(60, TimeUnit.SECONDS)).as("128 + SIGTERM; output:%n%s", hprp.output())
          .isEqualTo(143);
      assertThat(hprp.output()).contains("drain timeout 1s over, 1 connection(s) cut");
      received += readUntilCut(in);
      assertThat(received).as("bytes received of the cut download").isLessThan(LENGTH);
    }
  }

  @Test
  void secondSignalExitsAtOnce() throws Exception {
    StreamingBackend backend = StreamingBackend.start(nativeVertx.get(), LENGTH, 64 * 1024).await();
    try (LauncherProcess hprp = start(backend, "7d");
        Socket download = connect(hprp.awaitPort(60, TimeUnit.SECONDS))) {
      readStreamNumber(download.getInputStream());

      hprp.signal();
      await("the draining line").atMost(Duration.ofSeconds(30))
          .until(() -> hprp.output().contains("hprp draining: SIGTERM received"));
      hprp.signal();

      assertThat(hprp.awaitExit(60, TimeUnit.SECONDS)).as("output:%n%s", hprp.output()).isEqualTo(143);
      assertThat(hprp.output()).contains("second SIGTERM during the drain: exiting at once");
    }
  }

  private static LauncherProcess start(StreamingBackend backend, String drainTimeout) throws IOException {
    return LauncherProcess.start("--host", "127.0.0.1", "--port", "0", "--backends", backend.backend().toString(),
        "--health-check", "none", "--admin-port", "0", "--drain-timeout", drainTimeout);
  }

  private int readyz(int adminPort) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** A client with a small receive buffer, so that a reader that stops holds the stream back quickly. */
  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(64 * 1024);
    socket.setSoTimeout(60_000);
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    return socket;
  }

  private static long readStreamNumber(InputStream in) throws IOException {
    byte[] number = in.readNBytes(8);
    assertThat(number).hasSize(8);
    return java.nio.ByteBuffer.wrap(number).getLong();
  }

  /** Reads up to {@code limit} bytes or to the end, adding them to {@code crc}; returns how many. */
  private static long read(InputStream in, CRC32C crc, long limit) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    while (total < limit) {
      int n = in.read(chunk, 0, (int) Math.min(chunk.length, limit - total));
      if (n < 0) {
        break;
      }
      crc.update(chunk, 0, n);
      total += n;
    }
    return total;
  }

  /** Reads what is left of a stream the proxy cut: until its end or a reset. */
  private static long readUntilCut(InputStream in) {
    long[] total = {0};
    try {
      total[0] = read(in, new CRC32C(), Long.MAX_VALUE);
    } catch (IOException reset) {
      // cut with a reset: what came before counts
    }
    return total[0];
  }

  /** Whether a connect to {@code port} is refused, or accepted and reset or closed without a byte. */
  private static boolean refusedOrReset(int port) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      return socket.getInputStream().read() == -1;
    } catch (ConnectException refused) {
      return true;
    } catch (SocketException reset) {
      return true;
    }
  }
}
