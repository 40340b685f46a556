package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendListener;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ConnectionListener;
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
 * @param backends  the backends configured at build time; later ones come through discovery or the runtime API
 * @param discovery the discovery sources, in order
 * @param healthCheck null when active health checks are off
 * @param tls         null without TLS termination
 * @param backendTls  null without TLS to the backends
 */
record ProxyConfig(
    List<Backend> backends,
    List<BackendDiscovery> discovery,
    Balancer balancer,
    HealthCheck healthCheck,
    HealthCheckOptions healthCheckOptions,
    PassiveHealthOptions passiveHealthOptions,
    ReverseProxyOptions options,
    HttpOptions httpOptions,
    List<BackendListener> listeners,
    ProxyProtocolOptions proxyProtocol,
    TlsOptions tls,
    BackendTlsOptions backendTls,
    List<ConnectionListener> connectionListeners) {
}
