package dev.hprp.launcher;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** TLS termination on the listening port, and TLS to the backends. Collects the flags' values. */
final class TlsFlags {

  static final String CERT = "--tls-cert";
  static final String KEY = "--tls-key";
  static final String CLIENT_CA = "--tls-client-ca";
  static final String BACKEND_TLS = "--backend-tls";
  static final String BACKEND_CA = "--backend-ca";
  static final String BACKEND_SNI = "--backend-sni";
  static final String BACKEND_TLS_INSECURE = "--backend-tls-insecure";

  @Option(names = CERT, order = 80, paramLabel = "FILE",
      description = "Terminate TLS (1.2 and 1.3) with this PEM certificate, chain allowed; with --tls-key. "
          + "Reloaded on SIGHUP.")
  Path cert;

  @Option(names = KEY, order = 81, paramLabel = "FILE", description = "The certificate's private key, PEM (PKCS#8).")
  Path key;

  @Option(names = CLIENT_CA, order = 82, paramLabel = "FILE",
      description = "Require client certificates signed by these authorities (PEM).")
  Path clientCa;

  @Option(names = BACKEND_TLS, order = 83,
      description = "Connect to the backends over TLS, verifying their certificates and host names.")
  boolean backendTls;

  @Option(names = BACKEND_CA, order = 84, paramLabel = "FILE",
      description = "Authorities backend certificates must be signed by (PEM). Default: the JVM's.")
  Path backendCa;

  @Option(names = BACKEND_SNI, order = 85, paramLabel = "NAME",
      description = "Name sent as SNI and verified in backend certificates. Default: each backend's host.")
  String backendSni;

  @Option(names = BACKEND_TLS_INSECURE, order = 86,
      description = "Do not verify backend certificates at all. For tests only: logged as a warning.")
  boolean backendTlsInsecure;
}
