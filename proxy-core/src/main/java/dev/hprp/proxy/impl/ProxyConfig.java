package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.HealthListener;
import dev.hprp.proxy.health.PassiveHealthOptions;
import java.util.List;

/**
 * Everything a proxy was built with, validated by the builder. Internal: the options objects are private copies that
 * nothing mutates after construction.
 *
 * @param healthCheck null when active health checks are off
 */
public record ProxyConfig(
    List<Backend> backends,
    Balancer balancer,
    HealthCheck healthCheck,
    HealthCheckOptions healthCheckOptions,
    PassiveHealthOptions passiveHealthOptions,
    ReverseProxyOptions options,
    List<HealthListener> healthListeners) {
}
