package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.health.HealthCheck;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import java.util.List;

/**
 * Everything a proxy was built with, validated by the builder. The options objects are private copies that nothing
 * mutates after construction.
 *
 * @param sources   where the backends come from: the fixed ones first (as one source), then discovery sources;
 *                  later ones come through the runtime API too
 * @param healthCheck null when active health checks are off
 */
record ProxyConfig(
    List<BackendDiscovery> sources,
    Balancer balancer,
    HealthCheck healthCheck,
    HealthCheckOptions healthCheckOptions,
    PassiveHealthOptions passiveHealthOptions,
    ReverseProxyOptions options,
    List<BackendListener> listeners) {
}
