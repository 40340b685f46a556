package dev.hprp.proxy;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS to the backends: each backend connection is a TLS client whose server certificate is verified, chain and host
 * name, against {@link #getCa() the authorities given} (the JVM's trusted ones by default) and the backend's host, or
 * {@link #getServerName()} when set (which is also sent as SNI). TLS 1.2 and 1.3 with {@link TlsOptions#CIPHER_SUITES}.
 * A handshake that fails counts as a failed connect of that backend. Plain data; not thread-safe; the builder copies
 * it.
 *
 * <pre>{@code
 * new BackendTlsOptions().setCa(Path.of("backends-ca.pem")).setServerName("api.internal")
 * }</pre>
 */
public final class BackendTlsOptions {

  private Path ca;
  private String serverName;
  private boolean insecure;

  /** Verification against the JVM's trusted authorities and each backend's host. */
  public BackendTlsOptions() {
  }

  /** A copy of {@code other}; never null. */
  public BackendTlsOptions(BackendTlsOptions other) {
    this.ca = other.ca;
    this.serverName = other.serverName;
    this.insecure = other.insecure;
  }

  /** The PEM file of the authorities backend certificates must be signed by; empty: the JVM's. */
  public Optional<Path> getCa() {
    return Optional.ofNullable(ca);
  }

  /** Sets the PEM file of the authorities backend certificates must be signed by; never null. */
  public BackendTlsOptions setCa(Path ca) {
    this.ca = Objects.requireNonNull(ca, "ca");
    return this;
  }

  /** The name sent as SNI and verified in backend certificates; empty: each backend's host. */
  public Optional<String> getServerName() {
    return Optional.ofNullable(serverName);
  }

  /** Sets the name sent as SNI and verified in backend certificates; never null or blank. */
  public BackendTlsOptions setServerName(String serverName) {
    Objects.requireNonNull(serverName, "serverName");
    if (serverName.isBlank()) {
      throw new IllegalArgumentException("serverName: must not be blank");
    }
    this.serverName = serverName.strip();
    return this;
  }

  /**
   * Whether backend certificates go unverified (any certificate, any name); default false. For tests only: anyone
   * on the path can then read and change the traffic. The proxy logs a warning when it is on.
   */
  public boolean isInsecure() {
    return insecure;
  }

  /** Sets whether backend certificates go unverified: for tests only. */
  public BackendTlsOptions setInsecure(boolean insecure) {
    this.insecure = insecure;
    return this;
  }

  @Override
  public String toString() {
    return "BackendTlsOptions{ca=" + ca + ", serverName=" + serverName + ", insecure=" + insecure + "}";
  }
}
