package dev.hprp.launcher;

import dev.hprp.proxy.balancer.SelectionContext;
import java.util.Locale;
import java.util.function.Function;

/**
 * The value of {@code --hash-key}: what consistent hashing hashes. {@code client-ip} (the default), or in HTTP mode
 * {@code header:NAME} or {@code cookie:NAME}, which fall back to the client IP for a request without that header or
 * cookie (so such requests still spread, by client).
 *
 * @param kind  {@code client-ip}, {@code header} or {@code cookie}
 * @param name  the header or cookie name; empty for {@code client-ip}
 */
record HashKey(String kind, String name) {

  static final HashKey DEFAULT = new HashKey("client-ip", "");

  /** @throws IllegalArgumentException naming what is expected */
  static HashKey parse(String text) {
    String value = text.strip();
    if (value.equalsIgnoreCase("client-ip")) {
      return DEFAULT;
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? "" : value.substring(0, colon).toLowerCase(Locale.ROOT);
    String name = colon < 0 ? "" : value.substring(colon + 1).strip();
    if ((kind.equals("header") || kind.equals("cookie")) && !name.isEmpty() && name.chars().noneMatch(
        c -> c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0)) {
      return new HashKey(kind, name);
    }
    throw new IllegalArgumentException("'" + text + "' (expected: client-ip, header:NAME or cookie:NAME)");
  }

  boolean isClientIp() {
    return kind.equals("client-ip");
  }

  /** The key function for {@link dev.hprp.proxy.balancer.Balancer#consistentHash(Function)}. */
  Function<SelectionContext, String> function() {
    return switch (kind) {
      case "header" -> context -> {
        String value = context.header(name);
        return value != null ? value : context.clientHost();
      };
      case "cookie" -> context -> {
        String value = context.cookie(name);
        return value != null ? value : context.clientHost();
      };
      default -> SelectionContext::clientHost;
    };
  }

  @Override
  public String toString() {
    return isClientIp() ? kind : kind + ":" + name;
  }
}
