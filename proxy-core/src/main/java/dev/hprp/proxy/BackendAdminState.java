package dev.hprp.proxy;

/**
 * What an operator decided for a backend, kept apart from its {@link BackendHealth}: a passing health check never
 * undoes a drain, and a drain never hides a failing backend's health. A backend takes new connections only when it
 * is {@link BackendHealth#UP UP} and {@link #ENABLED}.
 */
public enum BackendAdminState {
  /** Takes new connections while healthy; the state of every backend when added. */
  ENABLED,
  /**
   * Takes no new connection; those already relayed to it go on until they end. Set by
   * {@link ReverseProxy#drain(String)} and while {@link ReverseProxy#removeBackend} waits for its connections.
   */
  DRAINING
}
