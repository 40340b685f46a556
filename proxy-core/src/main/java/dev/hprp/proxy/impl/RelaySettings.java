package dev.hprp.proxy.impl;

import io.vertx.core.net.NetClient;

/**
 * What every relay of one event loop shares: the upstream client of that loop, the backends, the health monitor and
 * the limits. Immutable.
 *
 * @param netClient         connects to backends on this event loop
 * @param maxAttempts       distinct backends tried per client before it is closed
 * @param idleTimeoutNanos a relayed connection with no traffic either way for this long is closed
 */
record RelaySettings(NetClient netClient, BackendRegistry registry, HealthMonitor monitor, int maxAttempts,
    long idleTimeoutNanos) {
}
