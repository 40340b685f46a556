package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.TlsOptions;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLException;

/** Netty {@link SslContext}s from the TLS options: PEM files read and checked, one message naming what is wrong. */
final class TlsContexts {

  private TlsContexts() {
  }

  /**
   * The server context of TLS termination.
   *
   * @param alpn the application protocols offered by ALPN, in order of preference: HTTP mode's {@code http/1.1}; empty
   *             in TCP mode, whose relay cannot know what the bytes are (a client asking for a protocol then gets none
   *             selected, and chooses for itself)
   * @throws IllegalArgumentException naming the files when they cannot be read or do not make a certificate and key
   */
  static SslContext server(TlsOptions options, List<String> alpn) {
    readable("tls certificate", options.getCertificate());
    readable("tls key", options.getKey());
    options.getClientCa().ifPresent(ca -> readable("tls client CA", ca));
    try {
      SslContextBuilder builder = SslContextBuilder.forServer(options.getCertificate().toFile(),
              options.getKey().toFile())
          .protocols(TlsOptions.PROTOCOLS)
          .ciphers(TlsOptions.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
      options.getClientCa().ifPresent(ca -> builder.trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE));
      if (!alpn.isEmpty()) {
        // A client offering only protocols the proxy does not speak (h2 alone) gets no protocol selected rather than a
        // failed handshake: it may still speak HTTP/1.1, as it would to a server without ALPN.
        builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("tls: cannot use certificate " + options.getCertificate() + " with key "
          + options.getKey() + options.getClientCa().map(ca -> " and client CA " + ca).orElse("") + ": "
          + rootMessage(e), e);
    }
  }

  /**
   * The client context of TLS to the backends: verifies the chain and, through the engine's endpoint identification,
   * the host name (unless insecure).
   *
   * @throws IllegalArgumentException naming the CA file when it cannot be read or used
   */
  static SslContext client(BackendTlsOptions options) {
    options.getCa().ifPresent(ca -> readable("backend CA", ca));
    try {
      SslContextBuilder builder = SslContextBuilder.forClient()
          .protocols(TlsOptions.PROTOCOLS)
          .ciphers(TlsOptions.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
      if (options.isInsecure()) {
        builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
      } else {
        options.getCa().ifPresent(ca -> builder.trustManager(ca.toFile()));
        builder.endpointIdentificationAlgorithm("HTTPS");
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("backend tls: cannot use CA " + options.getCa().orElse(null) + ": "
          + rootMessage(e), e);
    }
  }

  private static void readable(String what, Path file) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(what + ": " + file + " (expected: a readable PEM file)");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }
}
