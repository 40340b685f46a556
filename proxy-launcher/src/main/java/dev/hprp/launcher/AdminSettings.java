package dev.hprp.launcher;

import java.time.Duration;

/**
 * How the proxy is operated, validated: made by {@link HprpCommand#settings()}.
 *
 * @param port         the admin endpoint's port, 0 for a free one; null when it is off
 * @param host         the admin endpoint's address
 * @param loopback     whether {@code host} is a loopback address
 * @param token        the bearer token its changes require; null for none (then only on loopback)
 * @param accessLog    whether each connection is logged to {@code dev.hprp.access}
 * @param drainTimeout how long a drain on SIGTERM or SIGINT may take
 */
record AdminSettings(Integer port, String host, boolean loopback, String token, boolean accessLog,
    Duration drainTimeout) {

  /** Whether the admin endpoint is on. */
  boolean enabled() {
    return port != null;
  }
}
