package dev.hprp.proxy.discovery;

/**
 * A {@link BackendDiscovery} source could not find its first backends, so the proxy did not start: the failure of
 * {@link dev.hprp.proxy.ReverseProxy#start()} then, such as
 * {@code dns:backend.default.svc.cluster.local:8080: no such name (NXDOMAIN)}. The message names the source as it was
 * written and what went wrong.
 */
public final class DiscoveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * A failure to find the first backends.
   *
   * @param message names the source and the reason; never null
   * @param cause   the underlying failure, or null
   */
  public DiscoveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
