package dev.hprp.proxy.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.hprp.proxy.fault.Fault;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension's lifecycle, seen from outside: each fixture class below is run by the JUnit launcher, records what
 * its tests saw, and is checked here once it has ended. The fixtures are nested classes, which the build's test run
 * leaves alone.
 */
class HprpExtensionTest {

  /** What the fixtures saw, in order. */
  static final List<Object> seen = new CopyOnWriteArrayList<>();

  private static void run(Class<?> fixture) {
    seen.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture))
        .build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    summary.getFailures().forEach(failure -> {
      throw new AssertionError(fixture.getSimpleName() + " failed", failure.getException());
    });
    assertThat(summary.getTestsSucceededCount()).as("tests of %s", fixture.getSimpleName()).isEqualTo(2);
  }

  private static void assertClosed(TestProxy proxy) {
    assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close()).isInstanceOf(ConnectException.class);
  }

  /** Accepts connections and says "up" on each. */
  static NetServer service(Vertx vertx) {
    return vertx.createNetServer().connectHandler(socket -> socket.end(io.vertx.core.buffer.Buffer.buffer("up")))
        .listen(0, "127.0.0.1").await();
  }

  static String ask(TestProxy proxy) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout(20_000);
      return new String(socket.getInputStream().readAllBytes());
    }
  }

  @Test
  void aStaticExtensionSharesOneProxyClearsFaultsBetweenTestsAndClosesIt() {
    run(ClassWide.class);

    assertThat(seen).hasSize(4);
    TestProxy first = (TestProxy) seen.get(0);
    assertThat(seen.get(2)).as("the same proxy in both tests").isSameAs(first);
    assertThat(seen.get(1)).as("on the test's Vertx").isEqualTo(false);
    assertThat(seen.get(3)).as("the first test's faults are gone").isEqualTo("up");
    assertClosed(first);
  }

  @Test
  void anInstanceExtensionGivesEachTestItsOwnProxy() {
    run(PerTest.class);

    assertThat(seen).hasSize(4);
    TestProxy first = (TestProxy) seen.get(0);
    TestProxy second = (TestProxy) seen.get(2);
    assertThat(second).isNotSameAs(first);
    assertThat(seen.get(1)).as("on a Vertx of its own").isEqualTo(true);
    assertThat(seen.get(3)).as("the first test's proxy was closed after it").isEqualTo(true);
    assertClosed(second);
  }

  @ExtendWith(VertxExtension.class)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class ClassWide {

    static NetServer service;

    @RegisterExtension
    static HprpExtension hprp = HprpExtension.proxying(() -> "127.0.0.1:" + service.actualPort());

    @BeforeAll
    static void startService(Vertx vertx) {
      service = service(vertx);
    }

    @Test
    @Order(1)
    void first(TestProxy proxy) throws IOException {
      seen.add(proxy);
      seen.add(hprp.runsOnOwnVertx());
      assertThat(ask(proxy)).isEqualTo("up");
      proxy.fault(Fault.closeAfter(0));
      proxy.cut();
    }

    @Test
    @Order(2)
    void second(TestProxy proxy) throws IOException {
      seen.add(proxy);
      seen.add(ask(proxy));
    }
  }

  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class PerTest {

    static final Vertx vertx = Vertx.vertx();
    static final NetServer service = service(vertx);

    @AfterAll
    static void closeService() {
      vertx.close().await();
    }

    @RegisterExtension
    final HprpExtension hprp = HprpExtension.proxying(() -> "127.0.0.1:" + service.actualPort());

    @Test
    @Order(1)
    void first() throws IOException {
      TestProxy proxy = hprp.proxy();
      seen.add(proxy);
      seen.add(hprp.runsOnOwnVertx());
      assertThat(ask(proxy)).isEqualTo("up");
    }

    @Test
    @Order(2)
    void second(TestProxy proxy) throws IOException {
      TestProxy first = (TestProxy) seen.get(0);
      seen.add(proxy);
      boolean closed;
      try {
        new Socket("127.0.0.1", first.port()).close();
        closed = false;
      } catch (ConnectException refused) {
        closed = true;
      }
      seen.add(closed);
      assertThat(ask(proxy)).isEqualTo("up");
    }
  }
}
