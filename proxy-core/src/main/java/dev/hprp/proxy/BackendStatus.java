package dev.hprp.proxy;

/**
 * A point-in-time view of one backend, from {@link ReverseProxy#backends()}.
 *
 * <p>Immutable. The counters are read one after the other without a common lock, so under load they may be off
 * from each other by the connections that opened or closed meanwhile.
 *
 * @param backend           the backend with its current weight; never null
 * @param health            what health checks say of it; never null. A backend added at runtime shows
 *                          {@link BackendHealth#DOWN} until its first active probe has answered
 * @param adminState        what the operator decided; never null
 * @param activeConnections client connections relayed to it now
 * @param totalConnections  client connections relayed to it since it was added (successful connects)
 * @param failedConnects    connect attempts to it that failed (refused, timed out, reset) since it was added
 * @param bytesToBackend    bytes relayed from clients to it since it was added
 * @param bytesFromBackend  bytes relayed from it to clients since it was added
 */
public record BackendStatus(
    Backend backend,
    BackendHealth health,
    BackendAdminState adminState,
    int activeConnections,
    long totalConnections,
    long failedConnects,
    long bytesToBackend,
    long bytesFromBackend) {

  /** The backend's {@link Backend#id() id}, {@code host:port}. */
  public String id() {
    return backend.id();
  }

  /** Whether it takes new connections: {@link BackendHealth#UP UP} and {@link BackendAdminState#ENABLED ENABLED}. */
  public boolean eligible() {
    return health == BackendHealth.UP && adminState == BackendAdminState.ENABLED;
  }
}
