/**
 * HPRP's public API: an embeddable reverse proxy on Vert.x 5, balancing TCP connections or HTTP requests
 * ({@link dev.hprp.proxy.ProxyMode}).
 *
 * <p>Start with {@link dev.hprp.proxy.ReverseProxy#builder(io.vertx.core.Vertx)}: give it {@link
 * dev.hprp.proxy.Backend}s, optionally a {@link dev.hprp.proxy.balancer.Balancer}, a
 * {@link dev.hprp.proxy.health.HealthCheck}, {@link dev.hprp.proxy.ReverseProxyOptions} (the mode and pool size among
 * them) and, for HTTP mode, {@link dev.hprp.proxy.HttpOptions}, then
 * {@code build().start()}. {@link dev.hprp.proxy.ReverseProxy#backends()} reports each backend's
 * {@link dev.hprp.proxy.BackendStatus}; backends change at runtime through the proxy's {@code addBackend},
 * {@code removeBackend}, {@code setWeight}, {@code drain}, {@code enable} and {@code updateBackends}, and every such
 * change and health transition reaches {@link dev.hprp.proxy.BackendListener}s as a
 * {@link dev.hprp.proxy.BackendEvent}. Backends may also come from {@link dev.hprp.proxy.discovery.BackendDiscovery}
 * sources (DNS records, or your own), kept current while the proxy runs. Each relayed connection, once ended, reaches
 * {@link dev.hprp.proxy.ConnectionListener}s as a {@link dev.hprp.proxy.ConnectionRecord} (attempts, bytes, timings,
 * {@link dev.hprp.proxy.EndState}); {@link dev.hprp.proxy.ReverseProxy#shutdown(java.time.Duration)} drains the proxy
 * gracefully; {@code dev.hprp.proxy.metrics} binds its counters to Micrometer. {@link dev.hprp.proxy.Durations} reads
 * and writes durations as the
 * {@code hprp} command does ({@code 200ms}, {@code 2s}); {@link dev.hprp.proxy.Ranges} is the range check behind every
 * option setter's message. For tests, {@link dev.hprp.proxy.ReverseProxy#addFault} injects
 * {@linkplain dev.hprp.proxy.fault.Fault faults} into client connections. Everything under {@code dev.hprp.proxy.impl}
 * is internal.
 */
package dev.hprp.proxy;
