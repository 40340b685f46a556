package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.ReverseProxy;
import java.util.List;
import java.util.Objects;

/**
 * What the metrics binder reads of a running proxy, beyond its public API: the proxy-wide connection counts, each
 * backend's live counters, backend events from any moment on, and HTTP mode's requests as they end. Internal: may change without notice.
 *
 * <p>Thread-safe; reads are lock-free.
 */
public final class ProxyInternals {

  private final ReverseProxyImpl proxy;

  ProxyInternals(ReverseProxyImpl proxy) {
    this.proxy = proxy;
  }

  /**
   * The internals of {@code proxy}: the same object for as long as the proxy lives.
   *
   * @throws IllegalArgumentException when {@code proxy} was not built by {@link ReverseProxy#builder}
   */
  public static ProxyInternals of(ReverseProxy proxy) {
    Objects.requireNonNull(proxy, "proxy");
    if (!(proxy instanceof ReverseProxyImpl impl)) {
      throw new IllegalArgumentException("proxy: " + proxy.getClass().getName()
          + " (expected: one built by ReverseProxy.builder)");
    }
    // One per proxy, living as long as it: Micrometer holds the objects its gauges read only weakly.
    return impl.internals();
  }

  /** Client connections accepted since start. */
  public long acceptedConnections() {
    return proxy.connections().accepted();
  }

  /** Client connections open now, connecting or relayed. */
  public int activeConnections() {
    return proxy.connections().active();
  }

  /** Client connections waiting now for a backend slot (every eligible backend at its connection limit). */
  public int queueWaiting() {
    return proxy.queuedConnections();
  }

  /** HTTP mode: requests waiting now for a backend connection from the pool (a new one being connected included). */
  public int poolQueueWaiting() {
    return proxy.connections().http().poolWaiting();
  }

  /** Tells {@code observer} of every HTTP-mode request that ends from now on, on the request's event loop. */
  public void addRequestObserver(HttpStats.RequestObserver observer) {
    proxy.connections().http().addObserver(Objects.requireNonNull(observer, "observer"));
  }

  /** Stops telling {@code observer}. */
  public void removeRequestObserver(HttpStats.RequestObserver observer) {
    proxy.connections().http().removeObserver(observer);
  }

  /** Every backend present now, in the order added, those being removed included. */
  public List<? extends BackendCounters> backends() {
    return proxy.states();
  }

  /** The backend with {@code id} while it is present (until its removal completes), or null. */
  public BackendCounters backend(String id) {
    return proxy.find(id);
  }

  /** Tells {@code listener} of every backend event from now on, as the builder's listeners are told. */
  public void addBackendListener(BackendListener listener) {
    proxy.addListener(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops telling {@code listener}. */
  public void removeBackendListener(BackendListener listener) {
    proxy.removeListener(listener);
  }
}
