package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Backend;
import io.vertx.core.Future;
import java.util.List;
import java.util.stream.Collectors;

/** The simplest source: one set, reported once at start. */
final class FixedDiscovery implements BackendDiscovery {

  private final List<Backend> backends;

  FixedDiscovery(List<Backend> backends) {
    this.backends = backends;
  }

  @Override
  public Future<Void> start(DiscoveryContext context) {
    context.update(backends);
    return Future.succeededFuture();
  }

  /** The backends as {@code --backends} takes them: {@code host:port[:weight],...}. */
  @Override
  public String toString() {
    return backends.stream().map(Backend::toString).collect(Collectors.joining(","));
  }
}
