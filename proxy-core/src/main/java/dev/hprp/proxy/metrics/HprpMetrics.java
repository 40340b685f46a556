package dev.hprp.proxy.metrics;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.impl.BackendCounters;
import dev.hprp.proxy.impl.HttpStats;
import dev.hprp.proxy.impl.ProxyInternals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * Binds a proxy's counters to a Micrometer {@link MeterRegistry}: the very counters the balancers and
 * {@link ReverseProxy#backends()} read, read when the registry is scraped, so the relay does no extra work. Backends
 * added or removed at runtime get or lose their meters. In HTTP mode each request, as it ends, also counts in a
 * counter and a timer of its backend and status class (a map lookup and two increments per request; none in TCP mode).
 *
 * <pre>{@code
 * HprpMetrics metrics = new HprpMetrics(proxy);
 * metrics.bindTo(meterRegistry);   // e.g. a PrometheusMeterRegistry
 * ...
 * metrics.close();                 // removes the meters
 * }</pre>
 *
 * <p>The meters, as Prometheus shows them (each backend's with the tag {@code backend="host:port"}, IPv6 addresses
 * bracketed):
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Prometheus name</th><th>Type</th><th>What</th></tr>
 *   <tr><td>{@code hprp_connections_accepted_total}</td><td>counter</td><td>client connections accepted</td></tr>
 *   <tr><td>{@code hprp_connections_active}</td><td>gauge</td><td>client connections open (connecting or
 *       relayed)</td></tr>
 *   <tr><td>{@code hprp_queue_waiting}</td><td>gauge</td><td>client connections (TCP mode) or requests (HTTP mode)
 *       waiting for a backend slot (every eligible backend at its connection limit)</td></tr>
 *   <tr><td>{@code hprp_backend_up}</td><td>gauge</td><td>1 when the backend takes new connections (UP and enabled),
 *       else 0</td></tr>
 *   <tr><td>{@code hprp_backend_connections_active}</td><td>gauge</td><td>connections relayed to it now</td></tr>
 *   <tr><td>{@code hprp_backend_connections_total}</td><td>counter</td><td>connections relayed to it</td></tr>
 *   <tr><td>{@code hprp_backend_connect_failures_total}</td><td>counter</td><td>failed connect attempts</td></tr>
 *   <tr><td>{@code hprp_backend_bytes_sent_total}</td><td>counter</td><td>bytes relayed from clients to it</td></tr>
 *   <tr><td>{@code hprp_backend_bytes_received_total}</td><td>counter</td><td>bytes relayed from it to
 *       clients</td></tr>
 *   <tr><td>{@code hprp_backend_ejections_total}</td><td>counter</td><td>passive health ejections</td></tr>
 *   <tr><td>{@code hprp_backend_connect_duration_seconds}</td><td>histogram</td><td>time of each successful
 *       connect</td></tr>
 *   <tr><td>{@code hprp_http_requests_total}</td><td>counter</td><td>HTTP mode: requests ended, tagged
 *       {@code backend} and {@code code}, the class of the status the client got ({@code 1xx} to {@code 5xx}; the
 *       proxy's own 502, 503 and 504 and an HTTP fault's included; {@code none} when it got none);
 *       {@code backend="none"} when no backend was connected</td></tr>
 *   <tr><td>{@code hprp_http_request_duration_seconds}</td><td>histogram</td><td>HTTP mode: from each request's
 *       head to its end, by {@code backend}, with percentile buckets (Prometheus'
 *       {@code histogram_quantile})</td></tr>
 *   <tr><td>{@code hprp_pool_queue_waiting}</td><td>gauge</td><td>HTTP mode: requests waiting for a backend
 *       connection from the pool (one being connected included)</td></tr>
 * </table>
 *
 * <p>Several proxies in one application, bound to one registry, need tags of their own to tell their meters apart
 * ({@code new HprpMetrics(proxy, Tags.of("proxy", "public"))}): each meter carries them besides its own.
 *
 * <p>Thread-safe. Binds to one registry (a {@code CompositeMeterRegistry} serves several).
 */
public final class HprpMetrics implements MeterBinder, AutoCloseable {

  /** The connect-duration histogram's buckets: from a loopback connect to a connect timeout. */
  private static final Duration[] CONNECT_BUCKETS = {
      Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  /** The {@code backend} tag of HTTP requests no backend was connected for. */
  public static final String NO_BACKEND = "none";
  /** The first meter bound: a registry holding it with the same tags holds another proxy's meters. */
  private static final String ACCEPTED = "hprp.connections.accepted";
  /** Status classes counted apart: none (no status reached the client), then 1xx to 5xx. */
  private static final int STATUSES = 6;

  private final ProxyInternals proxy;
  /** Added to every meter's tags. */
  private final Tags tags;
  private final BackendListener follower = this::onEvent;
  private final HttpStats.RequestObserver requests = this::requestEnded;
  /**
   * HTTP mode's request meters by backend id ({@link #NO_BACKEND} included), made on a backend's first request:
   * read without a lock by requests, changed under this object's lock.
   */
  private final Map<String, RequestMeters> requestMeters = new ConcurrentHashMap<>();
  /** Guarded by this: the registry bound to; null before binding and after closing. */
  private MeterRegistry registry;
  private boolean closed;
  private final List<Meter> proxyMeters = new ArrayList<>();
  /** Guarded by this: each backend's meters, by id. */
  private final Map<String, BackendMeters> backends = new HashMap<>();

  /** The meters of one backend, reading one state object. */
  private record BackendMeters(BackendCounters counters, List<Meter> meters) {
  }

  /** HTTP mode's meters of one backend: the duration, and a counter per status class, made on its first request. */
  private record RequestMeters(Timer duration, AtomicReferenceArray<Counter> byStatus) {
  }

  /**
   * Metrics of {@code proxy}, not yet bound.
   *
   * @param proxy built by {@link ReverseProxy#builder}; never null
   * @throws IllegalArgumentException when {@code proxy} is another implementation
   */
  public HprpMetrics(ReverseProxy proxy) {
    this(proxy, Tags.empty());
  }

  /**
   * Metrics of {@code proxy}, not yet bound, each meter carrying {@code tags} besides its own: what tells this proxy's
   * meters from another's in the same registry.
   *
   * @param proxy built by {@link ReverseProxy#builder}; never null
   * @param tags added to every meter; never null, may be empty; none may be named {@code backend} or {@code code}
   * @throws IllegalArgumentException when {@code proxy} is another implementation, or a tag has a name the meters use
   */
  public HprpMetrics(ReverseProxy proxy, Iterable<Tag> tags) {
    this.proxy = ProxyInternals.of(proxy);
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    for (Tag tag : this.tags) {
      if (tag.getKey().equals("backend") || tag.getKey().equals("code")) {
        throw new IllegalArgumentException("tag '" + tag.getKey() + "' is a name the meters use themselves (expected "
            + "another, such as 'proxy')");
      }
    }
  }

  /**
   * Registers the proxy's meters and those of each backend present, and follows backends from now on.
   *
   * @throws IllegalStateException when already bound, or closed, or when {@code registry} already holds a proxy's
   *     meters with these tags: Micrometer would hand this proxy the other's meters, and removing them would remove
   *     the other's
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    if (closed || this.registry != null) {
      throw new IllegalStateException(closed ? "metrics closed"
          : "already bound to a registry (expected: one; a CompositeMeterRegistry serves several)");
    }
    if (registry.find(ACCEPTED).meters().stream().anyMatch(meter -> Tags.of(meter.getId().getTags()).equals(tags))) {
      throw new IllegalStateException("the registry already has a proxy's meters with the tags " + tags
          + " (expected: tags of this proxy's own, e.g. new HprpMetrics(proxy, Tags.of(\"proxy\", \"name\")))");
    }
    this.registry = registry;
    proxyMeters.add(FunctionCounter.builder(ACCEPTED, proxy, ProxyInternals::acceptedConnections)
        .description("Client connections accepted")
        .tags(tags)
        .register(registry));
    proxyMeters.add(Gauge.builder("hprp.connections.active", proxy, ProxyInternals::activeConnections)
        .description("Client connections open, connecting or relayed")
        .tags(tags)
        .register(registry));
    proxyMeters.add(Gauge.builder("hprp.queue.waiting", proxy, ProxyInternals::queueWaiting)
        .description("Client connections (TCP mode) or requests (HTTP mode) waiting for a backend slot, every "
            + "eligible backend being at its limit")
        .tags(tags)
        .register(registry));
    proxyMeters.add(Gauge.builder("hprp.pool.queue.waiting", proxy, ProxyInternals::poolQueueWaiting)
        .description("HTTP requests waiting for a backend connection from the pool, one being connected included")
        .tags(tags)
        .register(registry));
    proxy.addRequestObserver(requests);
    // Listen first, then register those present: a backend is either seen here or in an event (or both).
    proxy.addBackendListener(follower);
    for (BackendCounters counters : proxy.backends()) {
      add(counters);
    }
  }

  private synchronized void onEvent(BackendEvent event) {
    if (registry == null) {
      return;
    }
    String id = event.backend().id();
    if (event instanceof BackendEvent.Added) {
      BackendCounters counters = proxy.backend(id);
      if (counters != null) {
        add(counters);
      }
    } else if (event instanceof BackendEvent.Removed) {
      remove(id);
    }
  }

  private void add(BackendCounters counters) {
    BackendMeters present = backends.get(counters.id());
    if (present != null) {
      if (present.counters() == counters) {
        return;
      }
      remove(counters.id()); // the same id added again: fresh counters
    }
    Tags own = tags.and("backend", counters.id());
    List<Meter> meters = new ArrayList<>();
    meters.add(gauge("hprp.backend.up", "1 when the backend takes new connections (UP and enabled), else 0", own,
        counters, c -> c.eligible() ? 1 : 0));
    meters.add(gauge("hprp.backend.connections.active", "Connections relayed to the backend now", own, counters,
        BackendCounters::activeConnections));
    meters.add(counter("hprp.backend.connections", "Connections relayed to the backend", own, counters,
        BackendCounters::totalConnections));
    meters.add(counter("hprp.backend.connect.failures", "Failed connect attempts to the backend", own, counters,
        BackendCounters::failedConnects));
    meters.add(counter("hprp.backend.bytes.sent", "Bytes relayed from clients to the backend", own, counters,
        BackendCounters::bytesToBackend));
    meters.add(counter("hprp.backend.bytes.received", "Bytes relayed from the backend to clients", own, counters,
        BackendCounters::bytesFromBackend));
    meters.add(counter("hprp.backend.ejections", "Passive health ejections of the backend", own, counters,
        BackendCounters::ejections));
    Timer connect = Timer.builder("hprp.backend.connect.duration")
        .description("Time of each successful connect to the backend")
        .tags(own)
        .serviceLevelObjectives(CONNECT_BUCKETS)
        .register(registry);
    meters.add(connect);
    counters.connectTimer(nanos -> connect.record(nanos, TimeUnit.NANOSECONDS));
    backends.put(counters.id(), new BackendMeters(counters, meters));
  }

  private Meter gauge(String name, String description, Tags tags, BackendCounters counters,
      ToDoubleFunction<BackendCounters> value) {
    return Gauge.builder(name, counters, value).description(description).tags(tags).register(registry);
  }

  private Meter counter(String name, String description, Tags tags, BackendCounters counters,
      ToDoubleFunction<BackendCounters> value) {
    return FunctionCounter.builder(name, counters, value).description(description).tags(tags).register(registry);
  }

  private void remove(String id) {
    BackendMeters gone = backends.remove(id);
    if (gone != null) {
      gone.counters().connectTimer(null);
      gone.meters().forEach(registry::remove);
    }
    removeRequestMeters(id);
  }

  private void removeRequestMeters(String id) {
    RequestMeters gone = requestMeters.remove(id);
    if (gone != null) {
      registry.remove(gone.duration());
      for (int i = 0; i < STATUSES; i++) {
        Counter counter = gone.byStatus().get(i);
        if (counter != null) {
          registry.remove(counter);
        }
      }
    }
  }

  /**
   * An HTTP request ended, on its event loop: counted under its backend and status class, its duration recorded. A
   * request ending as the meters are closed may count in meters just removed, which no one reads any more.
   */
  private void requestEnded(Backend backend, int status, long durationNanos) {
    String id = backend == null ? NO_BACKEND : backend.id();
    RequestMeters meters = requestMeters.get(id);
    if (meters == null && (meters = requestMeters(id)) == null) {
      return; // closed
    }
    meters.duration().record(durationNanos, TimeUnit.NANOSECONDS);
    int index = status < 100 ? 0 : Math.min(STATUSES - 1, status / 100);
    Counter counter = meters.byStatus().get(index);
    if (counter == null && (counter = statusCounter(id, meters, index)) == null) {
      return;
    }
    counter.increment();
  }

  /** The request meters of backend {@code id}, made now if need be; null once closed. */
  private synchronized RequestMeters requestMeters(String id) {
    if (registry == null) {
      return null;
    }
    return requestMeters.computeIfAbsent(id, key -> new RequestMeters(
        Timer.builder("hprp.http.request.duration")
            .description("HTTP requests from head to end")
            .tags(tags.and("backend", key))
            .publishPercentileHistogram()
            .register(registry),
        new AtomicReferenceArray<>(STATUSES)));
  }

  /** The counter of status class {@code index} (0: none) in {@code meters}, made now if need be; null once closed. */
  private synchronized Counter statusCounter(String id, RequestMeters meters, int index) {
    if (registry == null) {
      return null;
    }
    Counter counter = meters.byStatus().get(index);
    if (counter == null) {
      counter = Counter.builder("hprp.http.requests")
          .description("HTTP requests ended, by the class of the status the client got")
          .tags(tags.and("backend", id, "code", index == 0 ? "none" : index + "xx"))
          .register(registry);
      meters.byStatus().set(index, counter);
    }
    return counter;
  }

  /** Removes every meter from the registry and stops following backends; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    proxy.removeBackendListener(follower);
    proxy.removeRequestObserver(requests);
    if (registry != null) {
      for (String id : List.copyOf(backends.keySet())) {
        remove(id);
      }
      for (String id : List.copyOf(requestMeters.keySet())) {
        removeRequestMeters(id);
      }
      proxyMeters.forEach(registry::remove);
      proxyMeters.clear();
      registry = null;
    }
  }
}
