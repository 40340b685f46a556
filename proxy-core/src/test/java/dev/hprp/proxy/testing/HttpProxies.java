package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * HTTP-mode proxies for a test class: each started on {@code 127.0.0.1} and an ephemeral port, all closed by
 * {@link #closeAll()} (call it from {@code @AfterEach}).
 */
public final class HttpProxies {

  private final List<ReverseProxy> started = new ArrayList<>();

  /** Starts a proxy in HTTP mode over {@code backends} with {@code options}, after {@code configure} had the builder. */
  public ReverseProxy start(Vertx vertx, List<Backend> backends, ReverseProxyOptions options,
      Consumer<ReverseProxyBuilder> configure) {
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx)
        .backends(backends)
        .with(options.setMode(ProxyMode.HTTP).setHost("127.0.0.1").setPort(0));
    configure.accept(builder);
    ReverseProxy proxy = builder.build();
    proxy.start().await();
    started.add(proxy);
    return proxy;
  }

  /** Starts a proxy in HTTP mode over {@code backends} with every other setting at its default. */
  public ReverseProxy start(Vertx vertx, List<Backend> backends) {
    return start(vertx, backends, new ReverseProxyOptions(), builder -> { });
  }

  public void closeAll() {
    started.forEach(proxy -> proxy.close().await());
    started.clear();
  }
}
