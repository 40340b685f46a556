/**
 * Micrometer metrics of a {@link dev.hprp.proxy.ReverseProxy}: {@link dev.hprp.proxy.metrics.HprpMetrics} binds its
 * counters to the application's {@code MeterRegistry}. Optional: only this package uses Micrometer
 * ({@code io.micrometer:micrometer-core}, which proxy-core declares optional); an application without it never loads
 * these classes and is unaffected.
 */
package dev.hprp.proxy.metrics;
