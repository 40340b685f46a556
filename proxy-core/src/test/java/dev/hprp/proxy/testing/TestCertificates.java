package dev.hprp.proxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The test-only TLS material of {@code test-data/tls} (see its README), and clients that use it. */
public final class TestCertificates {

  private TestCertificates() {
  }

  /** {@code test-data/tls/test-only-<name>}, such as {@code server.pem} or {@code ca.pem}. */
  public static Path path(String name) {
    return TestData.dir().resolve("tls").resolve("test-only-" + name);
  }

  /** The first certificate of {@code test-only-<name>} (the leaf of a chain). */
  public static X509Certificate certificate(String name) {
    try (InputStream in = Files.newInputStream(path(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A TLS client trusting the test CA and verifying host names, presenting {@code test-only-<keyCert>.pem/.key}
   * when {@code keyCert} is not null.
   */
  public static NetClient client(Vertx vertx, String keyCert) {
    NetClientOptions options = new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
        .setTrustOptions(new PemTrustOptions().addCertPath(path("ca.pem").toString()));
    if (keyCert != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(path(keyCert + ".pem").toString())
          .setKeyPath(path(keyCert + ".key").toString()));
    }
    return vertx.createNetClient(options);
  }

  /** The certificate that {@code 127.0.0.1:port} presents to {@code client} (whose TLS verifies it). */
  public static Certificate served(NetClient client, int port) throws TimeoutException {
    return client.connect(port, "127.0.0.1").map(socket -> {
      try {
        return socket.peerCertificates().get(0);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        socket.close();
      }
    }).await(20, TimeUnit.SECONDS);
  }
}
