package dev.hprp.proxy.testing;

import dev.hprp.proxy.ReverseProxy;
import java.time.Duration;
import org.awaitility.Awaitility;

/** Bounded waits for states the proxy reaches just after the client saw its side finish. */
public final class Await {

  private Await() {
  }

  /**
   * Waits, at most 10 s, until no backend has an active connection: the proxy's close handlers run just after the
   * client saw its socket close.
   */
  public static void noActiveConnections(ReverseProxy proxy) {
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> proxy.backends().stream().allMatch(status -> status.activeConnections() == 0));
  }
}
