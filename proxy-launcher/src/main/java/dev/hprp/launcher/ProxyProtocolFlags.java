package dev.hprp.launcher;

import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.ProxyProtocolVersion;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The PROXY protocol, from a load balancer in front and to the backends. Collects the flags' values. */
final class ProxyProtocolFlags {

  static final String SEND_PROXY = "--send-proxy";
  static final String CHECK_SEND_PROXY = "--check-send-proxy";
  static final String ACCEPT_PROXY = "--accept-proxy";
  static final String TRUSTED_PROXIES = "--trusted-proxies";

  /** What {@code --help} shows for each flag not given: the core's defaults. */
  static final Map<String, String> DEFAULTS = Map.of(
      SEND_PROXY, VersionConverter.name(new ProxyProtocolOptions().getSend()),
      TRUSTED_PROXIES, String.join(",", ProxyProtocolOptions.DEFAULT_TRUSTED_PROXIES));

  @Option(names = SEND_PROXY, order = 70, paramLabel = "none|v1|v2", converter = VersionConverter.class,
      completionCandidates = VersionConverter.class,
      description = "Send each backend a PROXY protocol header first, with the client's address (HTTP mode: once per "
          + "new pooled connection, naming the client whose request opened it). Default: ${DEFAULT-VALUE}.")
  ProxyProtocolVersion sendProxy;

  @Option(names = CHECK_SEND_PROXY, order = 71,
      description = "Health probes send a PROXY header too (LOCAL in v2, UNKNOWN in v1), before any TLS; tcp and "
          + "http checks.")
  boolean checkSendProxy;

  @Option(names = ACCEPT_PROXY, order = 72,
      description = "Connections from --trusted-proxies must begin with a PROXY header (v1 or v2) within 3s, which "
          + "gives the client's address; others are relayed as they come.")
  boolean acceptProxy;

  /** As written: parsed, and refused naming the flag, where the other flags are applied. */
  @Option(names = TRUSTED_PROXIES, order = 73, paramLabel = "CIDR,...",
      description = "Sources whose PROXY header is read: addresses or CIDR blocks. Default: ${DEFAULT-VALUE}.")
  String trustedProxies;

  /** Reads {@code none}, {@code v1} or {@code v2}, and lists them for {@code --help}. */
  static final class VersionConverter implements ITypeConverter<ProxyProtocolVersion>, Iterable<String> {

    static String name(ProxyProtocolVersion version) {
      return version.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public ProxyProtocolVersion convert(String text) {
      return Arrays.stream(ProxyProtocolVersion.values())
          .filter(version -> name(version).equals(text.strip().toLowerCase(Locale.ROOT)))
          .findFirst()
          .orElseThrow(() -> new TypeConversionException("'" + text + "' (expected one of: none, v1, v2)"));
    }

    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(ProxyProtocolVersion.values()).map(VersionConverter::name).iterator();
    }
  }
}
