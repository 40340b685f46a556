package dev.hprp.proxy;

import java.time.Duration;

/**
 * Settings of {@link ProxyMode#HTTP HTTP mode}: the upstream pool's queue, timeouts, limits on what a client may send,
 * and the headers the proxy adds. Plain data, validated by each setter; ignored in TCP mode. The pool's size is
 * {@link ReverseProxyOptions#setPoolSize}, shared with TCP mode.
 *
 * <p>Not thread-safe: configure on one thread, then hand to {@link ReverseProxyBuilder#http}, which copies it. Every
 * default is a {@code DEFAULT_*} constant below; setters return {@code this} and throw
 * {@link IllegalArgumentException} with a message like {@code poolQueue: 0 (expected: 1-100000)} (see
 * {@link Ranges}).
 *
 * <pre>{@code
 * new HttpOptions().setResponseTimeout(Duration.ofSeconds(30)).setVia(false)
 * }</pre>
 */
public final class HttpOptions {

  /** Requests that may wait for a pooled connection to a backend, for the whole proxy: 1,024 (then 503). */
  public static final int DEFAULT_POOL_QUEUE = 1024;
  /** How long a request may wait for a pooled connection before it is answered 503: 5 s. */
  public static final Duration DEFAULT_POOL_QUEUE_TIMEOUT = Duration.ofSeconds(5);
  /** A pooled backend connection idle for this long is closed: 60 s (nginx's upstream {@code keepalive_timeout}). */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(60);
  /** How long a backend may take to send its response header, and stay silent afterwards: 60 s (then 504). */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  /** The largest request head (request line and headers) a client may send: 16 KiB (then 431). */
  public static final int DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
  /** How long a client may take to send a request head once it began: 10 s (then 408, against slowloris). */
  public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
  /** Whether {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code Forwarded} are added: true. */
  public static final boolean DEFAULT_FORWARDED_HEADERS = true;
  /** Whether a {@code Via} header is added both ways: true (RFC 9110 asks proxies to). */
  public static final boolean DEFAULT_VIA = true;

  private int poolQueue = DEFAULT_POOL_QUEUE;
  private Duration poolQueueTimeout = DEFAULT_POOL_QUEUE_TIMEOUT;
  private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
  private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
  private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
  private Duration requestHeaderTimeout = DEFAULT_REQUEST_HEADER_TIMEOUT;
  private boolean forwardedHeaders = DEFAULT_FORWARDED_HEADERS;
  private boolean via = DEFAULT_VIA;

  /** Options holding every default. */
  public HttpOptions() {
  }

  /** A copy of {@code other}; never null. */
  public HttpOptions(HttpOptions other) {
    this.poolQueue = other.poolQueue;
    this.poolQueueTimeout = other.poolQueueTimeout;
    this.keepAliveTimeout = other.keepAliveTimeout;
    this.responseTimeout = other.responseTimeout;
    this.maxHeaderSize = other.maxHeaderSize;
    this.requestHeaderTimeout = other.requestHeaderTimeout;
    this.forwardedHeaders = other.forwardedHeaders;
    this.via = other.via;
  }

  /**
   * Requests that may wait, for the whole proxy, for a connection to one backend when its
   * {@link ReverseProxyOptions#getPoolSize() pool} is busy; default {@value #DEFAULT_POOL_QUEUE}. A request finding
   * the queue full is answered 503 at once.
   */
  public int getPoolQueue() {
    return poolQueue;
  }

  /** Sets the pool queue's length per backend, 1-100000. */
  public HttpOptions setPoolQueue(int poolQueue) {
    this.poolQueue = Ranges.check("poolQueue", poolQueue, 1, 100_000);
    return this;
  }

  /** How long a queued request waits for a pooled connection before it is answered 503; default 5 s. */
  public Duration getPoolQueueTimeout() {
    return poolQueueTimeout;
  }

  /** Sets the pool queue timeout, 1 ms to 1 hour. */
  public HttpOptions setPoolQueueTimeout(Duration poolQueueTimeout) {
    this.poolQueueTimeout = Ranges.check("poolQueueTimeout", poolQueueTimeout, Duration.ofMillis(1),
        Duration.ofHours(1));
    return this;
  }

  /**
   * How long a pooled backend connection may stay idle before the proxy closes it; default 60 s. A backend that
   * announces a shorter {@code Keep-Alive: timeout} is believed.
   */
  public Duration getKeepAliveTimeout() {
    return keepAliveTimeout;
  }

  /** Sets the keep-alive timeout of pooled connections, 1 s to 1 day, in whole seconds (the pool counts seconds). */
  public HttpOptions setKeepAliveTimeout(Duration keepAliveTimeout) {
    Ranges.check("keepAliveTimeout", keepAliveTimeout, Duration.ofSeconds(1), Duration.ofDays(1));
    if (keepAliveTimeout.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException("keepAliveTimeout: " + Durations.format(keepAliveTimeout)
          + " (expected: whole seconds, 1s-1d)");
    }
    this.keepAliveTimeout = keepAliveTimeout;
    return this;
  }

  /**
   * How long a backend may take to send the response header once the request went out, and, after it, how long the
   * response may stall; default 60 s. Past it the client gets 504 (or, when the response had begun, its connection is
   * closed).
   */
  public Duration getResponseTimeout() {
    return responseTimeout;
  }

  /** Sets the response timeout, 1 ms to 1 day. */
  public HttpOptions setResponseTimeout(Duration responseTimeout) {
    this.responseTimeout = Ranges.check("responseTimeout", responseTimeout, Duration.ofMillis(1), Duration.ofDays(1));
    return this;
  }

  /** The largest request head, in bytes, a client may send; default 16 KiB. Larger heads are answered 431. */
  public int getMaxHeaderSize() {
    return maxHeaderSize;
  }

  /** Sets the largest request head, 1024-1048576 bytes. */
  public HttpOptions setMaxHeaderSize(int maxHeaderSize) {
    this.maxHeaderSize = Ranges.check("maxHeaderSize", maxHeaderSize, 1024, 1024 * 1024);
    return this;
  }

  /**
   * How long a client may take to send a complete request head, from its connection (or from the first byte of a
   * later request on a keep-alive connection); default 10 s. Past it the client gets 408 and is closed.
   */
  public Duration getRequestHeaderTimeout() {
    return requestHeaderTimeout;
  }

  /** Sets the request header timeout, 1 ms to 1 hour. */
  public HttpOptions setRequestHeaderTimeout(Duration requestHeaderTimeout) {
    this.requestHeaderTimeout = Ranges.check("requestHeaderTimeout", requestHeaderTimeout, Duration.ofMillis(1),
        Duration.ofHours(1));
    return this;
  }

  /**
   * Whether requests get {@code X-Forwarded-For} (the client's address appended to any value it had),
   * {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} (set when absent) and RFC 7239 {@code Forwarded} (an
   * element appended); default true.
   */
  public boolean isForwardedHeaders() {
    return forwardedHeaders;
  }

  /** Turns the forwarded headers on or off. */
  public HttpOptions setForwardedHeaders(boolean forwardedHeaders) {
    this.forwardedHeaders = forwardedHeaders;
    return this;
  }

  /** Whether {@code Via: 1.1 hprp} is appended to requests and responses; default true. */
  public boolean isVia() {
    return via;
  }

  /** Turns the {@code Via} header on or off. */
  public HttpOptions setVia(boolean via) {
    this.via = via;
    return this;
  }

  @Override
  public String toString() {
    return "HttpOptions{poolQueue=" + poolQueue + ", poolQueueTimeout=" + poolQueueTimeout
        + ", keepAliveTimeout=" + keepAliveTimeout + ", responseTimeout=" + responseTimeout
        + ", maxHeaderSize=" + maxHeaderSize + ", requestHeaderTimeout=" + requestHeaderTimeout
        + ", forwardedHeaders=" + forwardedHeaders + ", via=" + via + "}";
  }
}
