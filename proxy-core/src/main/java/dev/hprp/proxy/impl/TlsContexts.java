package dev.hprp.proxy.impl;

import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.TlsOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Netty {@link SslContext}s from the TLS options: PEM files read and checked, one message naming what is wrong; and the
 * client handlers of TLS to the backends, for the relay and the health checks alike.
 */
public final class TlsContexts {

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
  public static SslContext client(BackendTlsOptions options) {
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

  /**
   * A new TLS client handler from {@code context} (one of {@link #client}), for one connection to {@code host:port}:
   * the backend's certificate is verified against {@code serverName}, else {@code host}, and that name is sent as SNI.
   * Set explicitly, since the JDK's engine sends none for a name without a dot ({@code localhost}, a Kubernetes
   * service's short name); never for an IP address, which SNI cannot carry, nor a name SNI refuses (one with an
   * underscore), which goes without. Any thread.
   *
   * @param serverName the configured {@link BackendTlsOptions#getServerName()}; null for none
   */
  public static SslHandler clientHandler(SslContext context, String serverName, ByteBufAllocator alloc, String host,
      int port) {
    String name = serverName != null ? serverName : host;
    SslHandler handler = context.newHandler(alloc, name, port);
    if (!NetUtil.isValidIpV4Address(name) && !NetUtil.isValidIpV6Address(name)) {
      SNIHostName sni;
      try {
        sni = new SNIHostName(name);
      } catch (IllegalArgumentException e) {
        return handler;
      }
      SSLEngine engine = handler.engine();
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setServerNames(List.of(sni));
      engine.setSSLParameters(parameters);
    }
    return handler;
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
