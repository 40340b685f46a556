package dev.hprp.proxy;

/**
 * Told of every {@link BackendEvent} of a proxy: metrics, logs and admin views follow backends that arrive after
 * start through it. Register one with {@link ReverseProxyBuilder#onBackendEvent}.
 *
 * <p>Called one event at a time, in the order the events happened, on one Vert.x event loop of the proxy's
 * {@code Vertx}: return quickly and never block. An exception thrown is logged and ignored.
 */
@FunctionalInterface
public interface BackendListener {

  /** One backend event; never null. */
  void onEvent(BackendEvent event);
}
