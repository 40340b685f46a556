package dev.hprp.proxy;

import io.netty.util.NetUtil;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The PROXY protocol (HAProxy's, v1 and v2) on both sides of the proxy: accepting the header from a load balancer in
 * front, so that the client's real address feeds balancing and logs, and sending one to backends, so that they see it
 * too. Off by default on both sides. Plain data, validated by each setter; not thread-safe; the builder copies it.
 *
 * <pre>{@code
 * new ProxyProtocolOptions().setAccept(true).setTrustedProxies(List.of("10.0.0.0/8")).setSend(ProxyProtocolVersion.V2)
 * }</pre>
 *
 * <p>Accepting: a connection from a {@linkplain #getTrustedProxies() trusted} source must begin with a v1 or v2
 * header within {@link #HEADER_TIMEOUT}, or it is closed; a malformed header closes it at once. A {@code LOCAL}
 * (v2) or {@code UNKNOWN} (v1) header leaves the connection's own address. From any other source no header is looked
 * for: its bytes are relayed as they come, and its own address is the client's. In HTTP mode the header is read before
 * the first request, and its client is that of every request the connection carries.
 */
public final class ProxyProtocolOptions {

  /** HAProxy's default {@code timeout client} for the header is the client timeout; 3 s is what users expect. */
  public static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);
  /** Only the machine itself: a load balancer elsewhere must be named. */
  public static final List<String> DEFAULT_TRUSTED_PROXIES = List.of("127.0.0.0/8", "::1/128");

  private ProxyProtocolVersion send = ProxyProtocolVersion.NONE;
  private boolean sendToHealthChecks;
  private boolean accept;
  private List<String> trustedProxies = DEFAULT_TRUSTED_PROXIES;

  /** Options with everything off. */
  public ProxyProtocolOptions() {
  }

  /** A copy of {@code other}; never null. */
  public ProxyProtocolOptions(ProxyProtocolOptions other) {
    this.send = other.send;
    this.sendToHealthChecks = other.sendToHealthChecks;
    this.accept = other.accept;
    this.trustedProxies = other.trustedProxies;
  }

  /**
   * The header sent to a backend before the client's bytes; default {@link ProxyProtocolVersion#NONE}. In HTTP mode it
   * begins each new pooled backend connection and names the client whose request opened it: requests of other clients
   * that reuse the connection get no header of their own (their client is in {@code X-Forwarded-For} and
   * {@code Forwarded}).
   */
  public ProxyProtocolVersion getSend() {
    return send;
  }

  /** Sets the header sent to backends; never null. */
  public ProxyProtocolOptions setSend(ProxyProtocolVersion send) {
    this.send = Objects.requireNonNull(send, "send");
    return this;
  }

  /**
   * Whether health probes send a header too (a {@code LOCAL} one in v2, {@code UNKNOWN} in v1: the probe is the
   * proxy's own connection), for backends that require one; default false. Both built-in checks send it first: the
   * HTTP check before its request, and before its TLS handshake when the proxy speaks TLS to the backends.
   */
  public boolean isSendToHealthChecks() {
    return sendToHealthChecks;
  }

  /** Sets whether health probes send a header. */
  public ProxyProtocolOptions setSendToHealthChecks(boolean sendToHealthChecks) {
    this.sendToHealthChecks = sendToHealthChecks;
    return this;
  }

  /** Whether connections from trusted sources must begin with a PROXY header; default false. */
  public boolean isAccept() {
    return accept;
  }

  /** Sets whether connections from trusted sources must begin with a PROXY header. */
  public ProxyProtocolOptions setAccept(boolean accept) {
    this.accept = accept;
    return this;
  }

  /** The sources whose header is read, as addresses or CIDR blocks; default loopback only. */
  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  /**
   * Sets the trusted sources: IP addresses or CIDR blocks ({@code 10.0.0.0/8}, {@code 2001:db8::/32},
   * {@code 192.0.2.7}), at least one.
   *
   * @throws IllegalArgumentException naming the entry that is not an IP address or CIDR block
   */
  public ProxyProtocolOptions setTrustedProxies(List<String> trustedProxies) {
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    if (trustedProxies.isEmpty()) {
      throw new IllegalArgumentException("trustedProxies: none (expected: at least one address or CIDR block)");
    }
    for (String entry : trustedProxies) {
      checkCidr(Objects.requireNonNull(entry, "trustedProxies entry"));
    }
    this.trustedProxies = List.copyOf(trustedProxies);
    return this;
  }

  /** Checks {@code entry} is {@code address} or {@code address/prefix}; returns its prefix length. */
  private static void checkCidr(String entry) {
    String text = entry.strip();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    boolean v4 = NetUtil.isValidIpV4Address(address);
    if (!v4 && !NetUtil.isValidIpV6Address(address)) {
      throw new IllegalArgumentException("trustedProxies: '" + entry
          + "' (expected: an IP address or CIDR block such as 10.0.0.0/8 or ::1/128)");
    }
    if (slash >= 0) {
      String prefix = text.substring(slash + 1);
      int max = v4 ? 32 : 128;
      if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)
          || Integer.parseInt(prefix) > max) {
        throw new IllegalArgumentException("trustedProxies: '" + entry + "' (expected: a prefix length 0-" + max
            + " after the /)");
      }
    }
  }

  @Override
  public String toString() {
    return "ProxyProtocolOptions{send=" + send + ", sendToHealthChecks=" + sendToHealthChecks + ", accept=" + accept
        + ", trustedProxies=" + trustedProxies + "}";
  }
}
