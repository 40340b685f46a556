/**
 * Backend health: the {@link dev.hprp.proxy.health.HealthCheck} SPI with its built-ins
 * ({@link dev.hprp.proxy.health.HealthCheck#tcpConnect()}, {@link dev.hprp.proxy.health.HealthCheck#httpGet(String)}),
 * the schedule and thresholds of active checks ({@link dev.hprp.proxy.health.HealthCheckOptions}, HAProxy's
 * {@code inter}/{@code rise}/{@code fall}), passive outlier ejection
 * ({@link dev.hprp.proxy.health.PassiveHealthOptions}); transitions reach listeners as
 * {@link dev.hprp.proxy.BackendEvent.HealthChanged} events. One monitor inside the proxy runs every policy; checks
 * only probe.
 */
package dev.hprp.proxy.health;
