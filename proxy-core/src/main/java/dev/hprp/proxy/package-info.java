/**
 * HPRP's public API: an embeddable TCP reverse proxy on Vert.x 5.
 *
 * <p>Start with {@link dev.hprp.proxy.ReverseProxy#builder(io.vertx.core.Vertx)}: give it {@link
 * dev.hprp.proxy.Backend}s, optionally a {@link dev.hprp.proxy.balancer.Balancer}, a
 * {@link dev.hprp.proxy.health.HealthCheck} and {@link dev.hprp.proxy.ReverseProxyOptions}, then
 * {@code build().start()}. {@link dev.hprp.proxy.ReverseProxy#backends()} reports each backend's
 * {@link dev.hprp.proxy.BackendStatus}; backends change at runtime through the proxy's {@code addBackend},
 * {@code removeBackend}, {@code setWeight}, {@code drain}, {@code enable} and {@code updateBackends}, and every such
 * change and health transition reaches {@link dev.hprp.proxy.BackendListener}s as a
 * {@link dev.hprp.proxy.BackendEvent}. Each relayed connection, once ended, reaches
 * {@link dev.hprp.proxy.ConnectionListener}s as a {@link dev.hprp.proxy.ConnectionRecord} (attempts, bytes, timings,
 * {@link dev.hprp.proxy.EndState}); {@link dev.hprp.proxy.ReverseProxy#shutdown(java.time.Duration)} drains the proxy
 * gracefully; {@code dev.hprp.proxy.metrics} binds its counters to Micrometer. {@link dev.hprp.proxy.Durations} reads and writes durations as the
 * {@code hprp} command does ({@code 200ms}, {@code 2s}); {@link dev.hprp.proxy.Ranges} is the range check behind every
 * option setter's message. Everything under {@code dev.hprp.proxy.impl} is internal.
 */
package dev.hprp.proxy;
