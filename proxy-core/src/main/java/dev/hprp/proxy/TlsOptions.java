package dev.hprp.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS termination: the proxy's certificate and key, and optionally the authority client certificates must be signed
 * by. TLS 1.2 and 1.3 only, with {@link #CIPHER_SUITES} (forward-secret AEAD suites, Mozilla's "intermediate"
 * profile). In HTTP mode ALPN offers {@code http/1.1}, and backends are told {@code X-Forwarded-Proto: https}; in TCP
 * mode ALPN offers nothing, the relay not knowing the protocol. Plain data: the files are read when the proxy is built
 * (and again by {@link ReverseProxy#updateTls}). Not thread-safe; the builder copies it.
 *
 * <pre>{@code
 * new TlsOptions(Path.of("cert.pem"), Path.of("key.pem")).setClientCa(Path.of("clients-ca.pem"))
 * }</pre>
 */
public final class TlsOptions {

  /** The protocol versions offered, newest first: TLS 1.1 and older are refused. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  /** The cipher suites offered, in order of preference; those the TLS provider lacks are left out. */
  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private Path certificate;
  private Path key;
  private Path clientCa;

  /**
   * @param certificate PEM file: the certificate, then the chain up to (not necessarily including) the root
   * @param key         PEM file: its private key, PKCS#8 ({@code BEGIN PRIVATE KEY}, as {@code openssl genpkey}
   *                    writes it), unencrypted
   */
  public TlsOptions(Path certificate, Path key) {
    setCertificate(certificate);
    setKey(key);
  }

  /** A copy of {@code other}; never null. */
  public TlsOptions(TlsOptions other) {
    this.certificate = other.certificate;
    this.key = other.key;
    this.clientCa = other.clientCa;
  }

  /** The certificate chain's PEM file; never null. */
  public Path getCertificate() {
    return certificate;
  }

  /** Sets the certificate chain's PEM file; never null. */
  public TlsOptions setCertificate(Path certificate) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    return this;
  }

  /** The private key's PEM file; never null. */
  public Path getKey() {
    return key;
  }

  /** Sets the private key's PEM file; never null. */
  public TlsOptions setKey(Path key) {
    this.key = Objects.requireNonNull(key, "key");
    return this;
  }

  /** The PEM file of the authorities client certificates must be signed by; empty (the default): none asked for. */
  public Optional<Path> getClientCa() {
    return Optional.ofNullable(clientCa);
  }

  /** Requires a client certificate signed by one of the authorities in {@code clientCa} (PEM); never null. */
  public TlsOptions setClientCa(Path clientCa) {
    this.clientCa = Objects.requireNonNull(clientCa, "clientCa");
    return this;
  }

  @Override
  public String toString() {
    return "TlsOptions{certificate=" + certificate + ", key=" + key + ", clientCa=" + clientCa + "}";
  }
}
