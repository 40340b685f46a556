package dev.hprp.proxy;

/**
 * A point-in-time view of one backend, from {@link ReverseProxy#backends()}.
 *
 * <p>Immutable. The counters are read one after the other without a common lock, so under load they may be off
 * from each other by the connections that opened or closed meanwhile.
 *
 * @param backend           the configured backend; never null
 * @param health            whether it receives new connections; never null
 * @param activeConnections client connections relayed to it now
 * @param totalConnections  client connections relayed to it since start (successful connects)
 * @param failedConnects    connect attempts to it that failed (refused, timed out, reset) since start
 * @param bytesToBackend    bytes relayed from clients to it since start
 * @param bytesFromBackend  bytes relayed from it to clients since start
 */
public record BackendStatus(
    Backend backend,
    BackendHealth health,
    int activeConnections,
    long totalConnections,
    long failedConnects,
    long bytesToBackend,
    long bytesFromBackend) {
}
