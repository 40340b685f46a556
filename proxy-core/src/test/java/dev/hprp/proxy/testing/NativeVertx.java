package dev.hprp.proxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link Vertx} per test on the native transport the launcher picks by default (io_uring where the kernel
 * allows it, else epoll); the injected {@code Vertx} of vertx-junit5 runs NIO. Register with
 * {@code @RegisterExtension final NativeVertx vertx = new NativeVertx();} and read it with {@link #get()}.
 *
 * <p>Fails the test when no native transport is available, rather than silently testing NIO.
 */
public final class NativeVertx implements BeforeEachCallback, AfterEachCallback {

  private Vertx vertx;

  @Override
  public void beforeEach(ExtensionContext context) {
    Transport transport = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL;
    vertx = Vertx.builder().with(new VertxOptions()).withTransport(transport).build();
    if (!vertx.isNativeTransportEnabled()) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      vertx.close();
      throw new IllegalStateException("native transport unavailable", cause);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** The instance of the running test; never null inside a test. */
  public Vertx get() {
    return vertx;
  }
}
