package dev.hprp.proxy.junit5;

import io.vertx.core.Vertx;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that puts a {@link TestProxy} in front of a service for the tests of a class: register it
 * with {@code @RegisterExtension}, point the client under test at {@link TestProxy#address()}, and inject faults.
 *
 * <pre>{@code
 * @RegisterExtension
 * static HprpExtension hprp = HprpExtension.proxying(() -> "127.0.0.1:" + database.port());
 *
 * @Test
 * void retriesARefusedConnect(TestProxy proxy) {        // or hprp.proxy()
 *   proxy.fault(Fault.refuseFirst(2));
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Lifetime.</b> On a {@code static} field, one proxy serves every test of the class (its {@code @Nested}
 * classes included) and is closed after them; after each test, the faults it injected are removed and a {@link TestProxy#cut() cut} restored, so tests do
 * not see each other's faults. On an instance field, each test gets a proxy of its own, closed after it. Either
 * way the proxy starts when first asked for ({@link #proxy()}, or a {@code TestProxy} parameter of a test,
 * lifecycle method or constructor), so the target supplier runs then: a service started in {@code @BeforeAll} or
 * {@code @BeforeEach} is up by the time it is called.
 *
 * <p><b>Vert.x.</b> When the test class uses vertx-junit5's {@code VertxExtension} and its {@code Vertx} exists
 * when the proxy starts (say, a {@code Vertx} parameter of {@code @BeforeAll} for a class-wide proxy, of
 * {@code @BeforeEach} or the test for a per-test one), the proxy runs on it; otherwise the extension makes a
 * {@code Vertx} of its own. It closes what it started (the proxy, and its own {@code Vertx}), never the test's.
 *
 * <p>With several instances in one class, ask each for its proxy with {@link #proxy()}: parameter injection cannot
 * tell them apart. Thread-safe.
 */
public final class HprpExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback, ParameterResolver {

  /** Where vertx-junit5 keeps its {@code Vertx}: the global namespace, under this key, wrapped in a supplier. */
  private static final String VERTX_JUNIT5_KEY = "Vertx";

  private final Supplier<String> target;
  /** Set when registered on a static field: the proxy then lives as long as the class's tests. */
  private ExtensionContext classContext;
  /** The running test's context, between its beforeEach and afterEach. */
  private ExtensionContext testContext;
  private TestProxy proxy;
  /** The {@code Vertx} the extension made itself, closed with the proxy; null when it uses the test's. */
  private Vertx ownVertx;

  private HprpExtension(Supplier<String> target) {
    this.target = target;
  }

  /**
   * An extension whose proxy forwards to {@code target}.
   *
   * @param target supplies the service's {@code host:port} when the proxy starts; never null, nor what it gives
   */
  public static HprpExtension proxying(Supplier<String> target) {
    return new HprpExtension(Objects.requireNonNull(target, "target"));
  }

  /**
   * The proxy, started now if it is not yet.
   *
   * @throws IllegalStateException outside the tests of the class that registered the extension
   */
  public synchronized TestProxy proxy() {
    if (proxy == null) {
      ExtensionContext context = classContext != null ? classContext : testContext;
      if (context == null) {
        throw new IllegalStateException("no test is running: the proxy exists during the tests of the class that "
            + "registers the extension");
      }
      String address = Objects.requireNonNull(target.get(), "the target supplier gave null (expected: host:port)");
      Vertx vertx = testVertx(context);
      if (vertx == null) {
        vertx = ownVertx = Vertx.vertx();
      }
      proxy = TestProxy.sync(TestProxy.start(vertx, address));
    }
    return proxy;
  }

  /**
   * vertx-junit5's {@code Vertx} visible from {@code context} (its own store or a parent's), or null. Read by key
   * rather than through vertx-junit5's classes, so the kit works without it.
   */
  private static Vertx testVertx(ExtensionContext context) {
    Object stored = context.getStore(ExtensionContext.Namespace.GLOBAL).get(VERTX_JUNIT5_KEY);
    if (stored instanceof Supplier<?> supplier) {
      stored = supplier.get();
    }
    return stored instanceof Vertx vertx ? vertx : null;
  }

  /** Whether the proxy runs on a {@code Vertx} of the extension's own; for tests. */
  synchronized boolean runsOnOwnVertx() {
    return ownVertx != null;
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (classContext == null) {
      classContext = context; // the registering class; its @Nested classes share its proxy
    }
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    testContext = context;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestProxy used;
    boolean perTest;
    synchronized (this) {
      testContext = null;
      used = proxy;
      perTest = classContext == null;
    }
    if (used == null) {
      return;
    }
    if (perTest) {
      stop();
    } else {
      used.clearFaults();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    synchronized (this) {
      if (context != classContext) {
        return; // a @Nested class ended; the registering class goes on
      }
      classContext = null;
    }
    stop();
  }

  private void stop() {
    TestProxy running;
    Vertx own;
    synchronized (this) {
      running = proxy;
      own = ownVertx;
      proxy = null;
      ownVertx = null;
    }
    if (running != null) {
      TestProxy.sync(running.close());
    }
    if (own != null) {
      TestProxy.sync(own.close());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == TestProxy.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    synchronized (this) {
      if (classContext == null && testContext == null) {
        // A test constructor's parameter: resolved before beforeEach.
        testContext = extensionContext;
      }
    }
    return proxy();
  }
}
