package dev.hprp.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One upstream server: a host, a port, a balancing weight and a priority.
 *
 * <p>Immutable and thread-safe. Two backends are equal when host, port, weight and priority are equal; {@link #id()}
 * names the address alone ({@code host:port}, IPv6 in brackets) and is what consistent hashing and logs use.
 *
 * <pre>{@code
 * List<Backend> backends = Backend.parseList("10.0.0.1:3001:3,10.0.0.2:3001,[::1]:3002");
 * }</pre>
 *
 * @param host   host name or IP literal, never null or blank; IPv6 literals are stored without brackets
 * @param port   1-65535
 * @param weight relative share of new connections, 1-{@value #MAX_WEIGHT}; {@value #DEFAULT_WEIGHT} unless given
 * @param priority the backend's priority group, 0-{@value #MAX_PRIORITY}, lower first; {@value #DEFAULT_PRIORITY}
 *     unless given. New connections go only to the lowest group that has an eligible backend, as DNS SRV records
 *     order their targets: the backends of higher numbers are backups, health-checked but unused until every backend
 *     of each lower group is down, drained or ejected
 */
public record Backend(String host, int port, int weight, int priority) {

  /** Weight of a backend written without one. */
  public static final int DEFAULT_WEIGHT = 1;
  /** Largest weight accepted; bounds the consistent-hash ring and the smooth round-robin arithmetic. */
  public static final int MAX_WEIGHT = 256;
  /** Priority of a backend given without one: every such backend is in the first group. */
  public static final int DEFAULT_PRIORITY = 0;
  /** Largest priority accepted: a DNS SRV record's priority is 16 bits. */
  public static final int MAX_PRIORITY = 65535;

  /** Validates every component; see the class description for the ranges. */
  public Backend {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("backend host: must not be blank");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!isValidHost(host)) {
      throw new IllegalArgumentException("backend host: '" + host + "' " + HOST_EXPECTED);
    }
    Ranges.check("backend port", port, 1, 65535);
    Ranges.check("backend weight", weight, 1, MAX_WEIGHT);
    Ranges.check("backend priority", priority, 0, MAX_PRIORITY);
  }

  /** A backend in the {@linkplain #DEFAULT_PRIORITY first priority group}. */
  public Backend(String host, int port, int weight) {
    this(host, port, weight, DEFAULT_PRIORITY);
  }

  /** A backend with the {@linkplain #DEFAULT_WEIGHT default weight}, in the first priority group. */
  public Backend(String host, int port) {
    this(host, port, DEFAULT_WEIGHT);
  }

  /**
   * The address as {@code host:port}, with IPv6 literals in brackets ({@code [::1]:3001}); the weight is left out so
   * that re-weighting a backend does not change its identity.
   */
  public String id() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Returns {@link #id()}, followed by {@code :weight} when the weight is not the default, and by a space and
   * {@code priority N} when the priority is not ({@code 10.0.0.1:3001:2 priority 10}).
   */
  @Override
  public String toString() {
    String text = weight == DEFAULT_WEIGHT ? id() : id() + ":" + weight;
    return priority == DEFAULT_PRIORITY ? text : text + " priority " + priority;
  }

  /**
   * Parses {@code host:port} or {@code host:port:weight}; IPv6 hosts go in brackets ({@code [::1]:3001:2}).
   *
   * @param spec the text, surrounding whitespace ignored; never null
   * @return the backend
   * @throws IllegalArgumentException naming the faulty part and what was expected
   */
  public static Backend parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String s = spec.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("backend: empty (expected: host:port or host:port:weight)");
    }
    String host;
    String rest;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw invalid(spec, "missing ']' after IPv6 address");
      }
      host = s.substring(1, close);
      if (host.indexOf(':') < 0) {
        throw invalid(spec, "brackets must hold an IPv6 address");
      }
      rest = s.substring(close + 1);
      if (!rest.startsWith(":")) {
        throw invalid(spec, "missing ':port' after ']'");
      }
      rest = rest.substring(1);
    } else {
      int colon = s.indexOf(':');
      if (colon < 0) {
        throw invalid(spec, "missing ':port'");
      }
      host = s.substring(0, colon);
      rest = s.substring(colon + 1);
      if (host.isEmpty()) {
        throw invalid(spec, "missing host");
      }
      if (rest.chars().filter(c -> c == ':').count() > 1) {
        throw invalid(spec, "too many ':' (IPv6 addresses go in brackets: [::1]:3001)");
      }
    }
    if (!isValidHost(host)) {
      throw invalid(spec, "host '" + host + "' " + HOST_EXPECTED);
    }
    int weight = DEFAULT_WEIGHT;
    int weightColon = rest.indexOf(':');
    String portText = weightColon < 0 ? rest : rest.substring(0, weightColon);
    if (weightColon >= 0) {
      weight = parseNumber(spec, "weight", rest.substring(weightColon + 1), 1, MAX_WEIGHT);
    }
    int port = parseNumber(spec, "port", portText, 1, 65535);
    return new Backend(host, port, weight);
  }

  /**
   * Parses a comma-separated list such as {@code "localhost:3001,localhost:3002:2"}; whitespace around items is
   * ignored.
   *
   * @param specs the list, never null
   * @return an immutable, non-empty list in the given order
   * @throws IllegalArgumentException when the list is empty, an item is malformed, or an address repeats
   */
  public static List<Backend> parseList(String specs) {
    Objects.requireNonNull(specs, "specs");
    if (specs.isBlank()) {
      throw new IllegalArgumentException("backends: empty (expected: host:port[:weight],host:port[:weight],...)");
    }
    List<Backend> result = new ArrayList<>();
    for (String item : specs.split(",", -1)) {
      if (item.isBlank()) {
        throw new IllegalArgumentException(
            "backends: '" + specs + "' has an empty item (expected: host:port[:weight],host:port[:weight],...)");
      }
      Backend backend = parse(item);
      for (Backend seen : result) {
        if (seen.id().equals(backend.id())) {
          throw new IllegalArgumentException("backends: " + backend.id() + " is listed twice");
        }
      }
      result.add(backend);
    }
    return List.copyOf(result);
  }

  private static final String HOST_EXPECTED =
      "is not a host name or IP address (expected: a name such as backend-1.example.com, 10.0.0.1, or [::1])";

  /**
   * A host name by RFC 1123 (dot-separated labels of 1-63 letters, digits, '-' or '_', not starting or ending with
   * '-'; an IPv4 address is one), or an IPv6 literal (with an optional {@code %zone}).
   */
  private static boolean isValidHost(String host) {
    if (host.indexOf(':') >= 0) {
      return isIpv6Literal(host);
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
          || !label.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpv6Literal(String host) {
    int zone = host.indexOf('%');
    String address = zone < 0 ? host : host.substring(0, zone);
    if (zone >= 0 && (zone == host.length() - 1
        || !host.substring(zone + 1).chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.')))) {
      return false;
    }
    if (!address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
      return false;
    }
    try {
      // In brackets the JDK parses an IPv6 literal and never falls back to a name lookup.
      InetAddress.getByName("[" + address + "]");
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static int parseNumber(String spec, String what, String text, int min, int max) {
    if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalid(spec, what + " '" + text + "' is not a number (expected: " + min + "-" + max + ")");
    }
    int value = Integer.parseInt(text);
    if (value < min || value > max) {
      throw invalid(spec, what + " " + value + " out of range (expected: " + min + "-" + max + ")");
    }
    return value;
  }

  private static IllegalArgumentException invalid(String spec, String reason) {
    return new IllegalArgumentException("backend '" + spec.strip() + "': " + reason);
  }
}
