package dev.hprp.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Listening and connection settings of a {@link ReverseProxy}: plain data, validated by each setter.
 *
 * <p>Not thread-safe: configure on one thread, then hand to {@link ReverseProxyBuilder#with}, which copies it. Every
 * default is a {@code DEFAULT_*} constant below; setters return {@code this} and throw
 * {@link IllegalArgumentException} with a message like {@code port: 99999 (expected: 0-65535)} (see {@link Ranges}).
 *
 * <pre>{@code
 * new ReverseProxyOptions().setPort(8080).setConnectTimeout(Duration.ofSeconds(2))
 * }</pre>
 */
public final class ReverseProxyOptions {

  /** Listen on every interface, as HAProxy's {@code bind :8080} does. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** The seed's port. Use 0 for an ephemeral port and read it back with {@link ReverseProxy#actualPort()}. */
  public static final int DEFAULT_PORT = 8080;
  /** HAProxy's usual {@code timeout connect}; a backend slower than this to accept is treated as down. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** nginx stream's {@code proxy_timeout}: a connection with no traffic either way for this long is closed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
  /** HAProxy's {@code retries 3}: a client is tried on at most this many distinct backends. */
  public static final int DEFAULT_MAX_CONNECT_ATTEMPTS = 3;
  /** One server per available processor: every core accepts and relays. */
  public static final int DEFAULT_EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
  /** TCP mode, as HPRP has always been: a client connection is relayed to one backend. */
  public static final ProxyMode DEFAULT_MODE = ProxyMode.TCP;
  /** TCP mode's pool: off; each client connection connects its backend when it arrives. */
  public static final int DEFAULT_TCP_POOL_SIZE = 0;
  /** HTTP mode's pool: 64 keep-alive connections per backend, shared by every client. */
  public static final int DEFAULT_HTTP_POOL_SIZE = 64;
  /** The largest pool size accepted, in either mode. */
  public static final int MAX_POOL_SIZE = 10_000;
  /** Half a minute: long enough for most connections in flight to finish, short enough for a rolling update. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  /** The longest drain timeout accepted, here and by the runtime API. */
  public static final Duration MAX_DRAIN_TIMEOUT = Duration.ofDays(7);
  /**
   * File descriptors kept out of {@link #DEFAULT_MAX_CONNECTIONS}'s share: the JVM's own jars and files, the listening
   * sockets, health probes, the overshoot of one accept batch.
   */
  public static final int FILE_DESCRIPTOR_RESERVE = 200;
  /**
   * As HAProxy derives {@code maxconn} from {@code ulimit -n}: half the process's open-file limit left after
   * {@link #FILE_DESCRIPTOR_RESERVE}, since each relayed connection holds two descriptors (client and backend), so that
   * the proxy never runs out of them (9,900 under a limit of 20,000); 0 (unlimited) where the limit cannot be read.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = maxConnectionsFor(openFileLimit());
  /** No limit per backend: a backend takes whatever the balancer sends it. */
  public static final int DEFAULT_BACKEND_MAX_CONNECTIONS = 0;
  /** HAProxy's usual queue bound: clients waiting for a backend slot beyond this are closed at once. */
  public static final int DEFAULT_MAX_QUEUE = 1024;
  /** HAProxy's {@code timeout queue} as often set: a client waits this long for a backend slot, then is closed. */
  public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(5);
  /** A client that connects and sends nothing for this long is closed (HAProxy's {@code timeout client}, 30 s). */
  public static final Duration DEFAULT_CLIENT_TIMEOUT = Duration.ofSeconds(30);
  /** The largest connection limit accepted (proxy-wide or per backend). */
  public static final int MAX_CONNECTIONS_LIMIT = 10_000_000;

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private int maxConnectAttempts = DEFAULT_MAX_CONNECT_ATTEMPTS;
  private int eventLoops = DEFAULT_EVENT_LOOPS;
  private ProxyMode mode = DEFAULT_MODE;
  /** Set by {@link #setPoolSize}; until then the pool size follows the mode's default. */
  private boolean poolSizeSet;
  private int poolSize;
  private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private int backendMaxConnections = DEFAULT_BACKEND_MAX_CONNECTIONS;
  private int maxQueue = DEFAULT_MAX_QUEUE;
  private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;
  private Duration clientTimeout = DEFAULT_CLIENT_TIMEOUT;

  /** Options holding every default. */
  public ReverseProxyOptions() {
  }

  /** A copy of {@code other}; never null. */
  public ReverseProxyOptions(ReverseProxyOptions other) {
    this.host = other.host;
    this.port = other.port;
    this.connectTimeout = other.connectTimeout;
    this.idleTimeout = other.idleTimeout;
    this.maxConnectAttempts = other.maxConnectAttempts;
    this.eventLoops = other.eventLoops;
    this.mode = other.mode;
    this.poolSizeSet = other.poolSizeSet;
    this.poolSize = other.poolSize;
    this.drainTimeout = other.drainTimeout;
    this.maxConnections = other.maxConnections;
    this.backendMaxConnections = other.backendMaxConnections;
    this.maxQueue = other.maxQueue;
    this.queueTimeout = other.queueTimeout;
    this.clientTimeout = other.clientTimeout;
  }

  /** The address to listen on; default {@value #DEFAULT_HOST}. */
  public String getHost() {
    return host;
  }

  /** Sets the address to listen on: a host name or IP literal, never null or blank. */
  public ReverseProxyOptions setHost(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host: must not be blank");
    }
    this.host = host;
    return this;
  }

  /** The port to listen on; default {@value #DEFAULT_PORT}; 0 means an ephemeral port. */
  public int getPort() {
    return port;
  }

  /** Sets the port to listen on, 0-65535 (0: ephemeral). */
  public ReverseProxyOptions setPort(int port) {
    this.port = Ranges.check("port", port, 0, 65535);
    return this;
  }

  /** How long one connect to a backend may take before the next backend is tried; default 5 s. */
  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /** Sets the connect timeout: positive, at least 1 ms, at most 1 hour. */
  public ReverseProxyOptions setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = Ranges.check("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofHours(1));
    return this;
  }

  /** How long a relayed connection may see no traffic in either direction before both sides are closed; 10 min. */
  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  /** Sets the idle timeout: 1 ms to 7 days (long-lived tunnels such as database sessions need long ones). */
  public ReverseProxyOptions setIdleTimeout(Duration idleTimeout) {
    this.idleTimeout = Ranges.check("idleTimeout", idleTimeout, Duration.ofMillis(1), Duration.ofDays(7));
    return this;
  }

  /** The most distinct backends one client connection is tried on before it is closed; default 3. */
  public int getMaxConnectAttempts() {
    return maxConnectAttempts;
  }

  /** Sets the most distinct backends tried per client connection, 1-100. */
  public ReverseProxyOptions setMaxConnectAttempts(int maxConnectAttempts) {
    this.maxConnectAttempts = Ranges.check("maxConnectAttempts", maxConnectAttempts, 1, 100);
    return this;
  }

  /**
   * How many servers (one per event loop) accept and relay; default: the number of available processors. Values
   * above the {@code Vertx} instance's event-loop pool size share event loops and gain nothing.
   */
  public int getEventLoops() {
    return eventLoops;
  }

  /** Sets the number of servers (one per event loop), 1-1024. */
  public ReverseProxyOptions setEventLoops(int eventLoops) {
    this.eventLoops = Ranges.check("eventLoops", eventLoops, 1, 1024);
    return this;
  }

  /** Whether connections ({@link ProxyMode#TCP}) or HTTP requests ({@link ProxyMode#HTTP}) are balanced; TCP. */
  public ProxyMode getMode() {
    return mode;
  }

  /** Sets the mode; never null. */
  public ReverseProxyOptions setMode(ProxyMode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /**
   * Upstream connections per backend kept for reuse. In {@link ProxyMode#HTTP HTTP} mode: the most keep-alive
   * connections open to each backend for the whole proxy, shared by every client (a request finding them all busy
   * waits in {@link HttpOptions#getPoolQueue() the pool queue}); default {@value #DEFAULT_HTTP_POOL_SIZE}. In
   * {@link ProxyMode#TCP TCP} mode: idle connections opened in advance to each backend and handed to new clients, so
   * they skip the connect round trip; default {@value #DEFAULT_TCP_POOL_SIZE} (off). Until {@link #setPoolSize} is
   * called, the default of the current mode.
   */
  public int getPoolSize() {
    if (poolSizeSet) {
      return poolSize;
    }
    return mode == ProxyMode.HTTP ? DEFAULT_HTTP_POOL_SIZE : DEFAULT_TCP_POOL_SIZE;
  }

  /**
   * Sets the pool size, 0-{@value #MAX_POOL_SIZE}; 0 turns TCP mode's pool off, and the builder refuses 0 in HTTP mode
   * (requests need at least one connection).
   */
  public ReverseProxyOptions setPoolSize(int poolSize) {
    this.poolSize = Ranges.check("poolSize", poolSize, 0, MAX_POOL_SIZE);
    this.poolSizeSet = true;
    return this;
  }

  /**
   * How long the connections of a leaving backend may go on before they are closed, for the backends that a
   * {@link dev.hprp.proxy.discovery.BackendDiscovery} source stops reporting; default 30 s. The runtime API's
   * {@link ReverseProxy#removeBackend} and {@link ReverseProxy#updateBackends} take theirs as an argument.
   */
  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  /** Sets the drain timeout, 0 (close at once) to 7 days. */
  public ReverseProxyOptions setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = Ranges.check("drainTimeout", drainTimeout, Duration.ZERO, MAX_DRAIN_TIMEOUT);
    return this;
  }

  /**
   * The most client connections open at once, proxy-wide; default {@link #DEFAULT_MAX_CONNECTIONS} (derived from the
   * open-file limit); 0 means no limit. At the limit the proxy stops accepting: new clients wait in the kernel's
   * accept backlog, and are accepted as connections close. None is ever accepted and dropped.
   */
  public int getMaxConnections() {
    return maxConnections;
  }

  /** Sets the proxy-wide connection limit, 0 (none) to {@value #MAX_CONNECTIONS_LIMIT}. */
  public ReverseProxyOptions setMaxConnections(int maxConnections) {
    this.maxConnections = Ranges.check("maxConnections", maxConnections, 0, MAX_CONNECTIONS_LIMIT);
    return this;
  }

  /**
   * The most connections open at once to each backend (connects under way included), unless set per backend with
   * {@link ReverseProxy#setBackendMaxConnections}; default 0, no limit. A client that finds every eligible backend
   * full waits in the queue ({@link #getMaxQueue()}, {@link #getQueueTimeout()}). In HTTP mode it bounds the requests
   * in flight to each backend, which is its pooled connections in use (idle ones do not count); a backend then serves
   * at most the smaller of this and the {@linkplain #getPoolSize() pool size} at once, and a limit at or below the pool
   * size keeps the waiting requests in this proxy-wide queue rather than in an event loop's pool queue.
   */
  public int getBackendMaxConnections() {
    return backendMaxConnections;
  }

  /** Sets the per-backend connection limit, 0 (none) to {@value #MAX_CONNECTIONS_LIMIT}. */
  public ReverseProxyOptions setBackendMaxConnections(int backendMaxConnections) {
    this.backendMaxConnections = Ranges.check("backendMaxConnections", backendMaxConnections, 0,
        MAX_CONNECTIONS_LIMIT);
    return this;
  }

  /**
   * The most clients waiting at once for a backend slot, in one FIFO queue; default {@value #DEFAULT_MAX_QUEUE}. A
   * client finding the queue full is closed at once (in HTTP mode, where requests wait, answered 503); 0 turns the
   * queue off.
   */
  public int getMaxQueue() {
    return maxQueue;
  }

  /** Sets the queue's length, 0 (no queue) to 1,000,000. */
  public ReverseProxyOptions setMaxQueue(int maxQueue) {
    this.maxQueue = Ranges.check("maxQueue", maxQueue, 0, 1_000_000);
    return this;
  }

  /**
   * How long a client may wait in the queue for a backend slot before it is closed (in HTTP mode, a request is
   * answered 503); default 5 s.
   */
  public Duration getQueueTimeout() {
    return queueTimeout;
  }

  /** Sets the queue timeout, 1 ms to 1 hour. */
  public ReverseProxyOptions setQueueTimeout(Duration queueTimeout) {
    this.queueTimeout = Ranges.check("queueTimeout", queueTimeout, Duration.ofMillis(1), Duration.ofHours(1));
    return this;
  }

  /**
   * TCP mode only: how long a client may stay connected without sending its first byte before it is closed; default
   * 30 s; zero turns the check off. Protocols where the server speaks first and the client may stay silent longer (a
   * feed the client only reads) need it off or longer. HTTP mode does not use it: there
   * {@link HttpOptions#getRequestHeaderTimeout()} bounds the wait for each request head, from the accept on, and the
   * {@linkplain #getIdleTimeout() idle timeout} closes a keep-alive connection left idle.
   */
  public Duration getClientTimeout() {
    return clientTimeout;
  }

  /** Sets the client timeout, 0 (off) to 7 days. */
  public ReverseProxyOptions setClientTimeout(Duration clientTimeout) {
    this.clientTimeout = Ranges.check("clientTimeout", clientTimeout, Duration.ZERO, Duration.ofDays(7));
    return this;
  }

  /**
   * The default proxy-wide connection limit for an open-file limit of {@code openFiles} descriptors: half of what is
   * left after {@link #FILE_DESCRIPTOR_RESERVE}, at least 1; 0 (no limit) when {@code openFiles} is not positive
   * (unknown).
   */
  public static int maxConnectionsFor(long openFiles) {
    if (openFiles <= 0) {
      return 0;
    }
    long share = Math.max(1, (openFiles - FILE_DESCRIPTOR_RESERVE) / 2);
    return (int) Math.min(share, MAX_CONNECTIONS_LIMIT);
  }

  /** This process's open-file limit ({@code ulimit -n}), or 0 where the JVM cannot tell. */
  private static long openFileLimit() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return 0;
  }

  @Override
  public String toString() {
    return "ReverseProxyOptions{host=" + host + ", port=" + port + ", connectTimeout=" + connectTimeout
        + ", idleTimeout=" + idleTimeout + ", maxConnectAttempts=" + maxConnectAttempts
        + ", eventLoops=" + eventLoops + ", mode=" + mode + ", poolSize=" + getPoolSize() + ", drainTimeout="
        + drainTimeout + ", maxConnections=" + maxConnections + ", backendMaxConnections=" + backendMaxConnections
        + ", maxQueue=" + maxQueue + ", queueTimeout=" + queueTimeout + ", clientTimeout=" + clientTimeout + "}";
  }
}
