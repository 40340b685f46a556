package dev.hprp.proxy;

/** Whether a backend receives new connections, and why not. */
public enum BackendHealth {
  /** Eligible: passing active checks (or none configured) and not ejected. */
  UP,
  /** Failed {@code fall} consecutive active health checks; back after {@code rise} successes. */
  DOWN,
  /** Ejected by passive health after consecutive connect failures; back when its ejection time ends. */
  EJECTED
}
