package com.example.embedded;

// README-BEGIN
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.junit5.HprpExtension;
import dev.hprp.proxy.junit5.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
class PriceClientTest {

  static HttpServer prices;  // the dependency: in your tests, the real one (a container, a local server)

  @RegisterExtension  // one proxy for the class in front of it; each test's faults are removed after the test
  static HprpExtension hprp = HprpExtension.proxying(() -> "127.0.0.1:" + prices.actualPort());

  @BeforeAll
  static void startPrices(Vertx vertx) {  // the proxy then runs on this Vertx too
    prices = vertx.createHttpServer()
        .requestHandler(request -> request.response().end("42"))
        .listen(0, "127.0.0.1").await();
  }

  /** The code under test: asks for a price; retries a failed connection twice, gives up after 2 s of silence. */
  static String price(String address) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/price"))
        .timeout(Duration.ofSeconds(2))
        .build();
    for (int attempt = 1; ; attempt++) {
      try {
        return client.send(request, BodyHandlers.ofString()).body();
      } catch (HttpTimeoutException e) {
        throw e;
      } catch (IOException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  @Test
  void retriesWhenConnectionsAreRefused(TestProxy proxy) throws Exception {
    proxy.fault(Fault.refuseFirst(2));  // the first two connections are closed at once
    assertEquals("42", price(proxy.address()));
  }

  @Test
  void givesUpOnASlowService(TestProxy proxy) {
    proxy.fault(Fault.latency(Duration.ofSeconds(5), Duration.ZERO));  // each way, every byte 5 s late
    assertThrows(HttpTimeoutException.class, () -> price(proxy.address()));
  }

  @Test
  void failsWhileTheNetworkIsDown(TestProxy proxy) {
    proxy.cut();  // open connections reset, new ones closed, until restore() or the end of the test
    assertThrows(IOException.class, () -> price(proxy.address()));
  }
}
// README-END
