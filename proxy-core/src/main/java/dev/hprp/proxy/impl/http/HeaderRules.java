package dev.hprp.proxy.impl.http;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;

/**
 * The header edits HTTP mode makes on what it forwards, each way: hop-by-hop headers out (RFC 9110 §7.6.1), the
 * forwarded headers and {@code Via} in. Stateless; the maps given are edited in place, {@code to} of a copy.
 */
final class HeaderRules {

  static final CharSequence X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final CharSequence X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final CharSequence X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final CharSequence FORWARDED = AsciiString.cached("forwarded");
  static final CharSequence VIA = AsciiString.cached("via");
  static final CharSequence PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  static final CharSequence TE = AsciiString.cached("te");
  static final CharSequence TRAILER = AsciiString.cached("trailer");
  static final CharSequence EXPECT = AsciiString.cached("expect");
  private static final String VIA_1_1 = "1.1 hprp";
  private static final String VIA_1_0 = "1.0 hprp";

  private HeaderRules() {
  }

  /**
   * Copies the end-to-end headers of a message into {@code to}, in one pass, leaving out the hop-by-hop ones:
   * {@code Connection} and every header it names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE},
   * {@code Trailer}, {@code Transfer-Encoding} (the framing is the proxy's to choose on each side) and
   * {@code Upgrade} (a WebSocket upgrade is put back by the caller); from a request, {@code Expect} too: the proxy
   * answers {@code 100 Continue} itself.
   */
  static void copyEndToEnd(MultiMap from, MultiMap to, boolean request) {
    List<String> named = connectionNamed(from);
    Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> entries =
        from instanceof io.netty.handler.codec.http.HttpHeaders netty ? netty.iteratorCharSequence() : from.iterator();
    while (entries.hasNext()) {
      Map.Entry<? extends CharSequence, ? extends CharSequence> header = entries.next();
      CharSequence name = header.getKey();
      if (!isHopByHop(name) && !(request && AsciiString.contentEqualsIgnoreCase(name, EXPECT))
          && (named == null || !isNamed(named, name))) {
        to.add(name, header.getValue());
      }
    }
  }

  private static boolean isHopByHop(CharSequence name) {
    return switch (name.length()) {
      case 2 -> AsciiString.contentEqualsIgnoreCase(name, TE);
      case 7 -> AsciiString.contentEqualsIgnoreCase(name, TRAILER)
          || AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.UPGRADE);
      case 10 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.CONNECTION)
          || AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.KEEP_ALIVE);
      case 16 -> AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION);
      case 17 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.TRANSFER_ENCODING);
      default -> false;
    };
  }

  /**
   * The headers the {@code Connection} values name ({@code close} and {@code keep-alive} name none); null when none,
   * as nearly always.
   */
  private static List<String> connectionNamed(MultiMap headers) {
    if (!headers.contains(HttpHeaders.CONNECTION)) {
      return null;
    }
    List<String> named = null;
    for (String connection : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : connection.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")) {
          if (named == null) {
            named = new ArrayList<>(2);
          }
          named.add(name);
        }
      }
    }
    return named;
  }

  private static boolean isNamed(List<String> named, CharSequence name) {
    for (String n : named) {
      if (AsciiString.contentEqualsIgnoreCase(n, name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Adds the forwarded headers of a request from {@code clientIp}: {@code X-Forwarded-For} gets the client appended
   * to what it had ({@code 203.0.113.9, 127.0.0.1}); {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} are set
   * when absent (a proxy in front, terminating TLS, may have set them); {@code Forwarded} gets one element appended,
   * {@code for=...;host=...;proto=...}, an IPv6 address quoted and bracketed as RFC 7239 requires.
   *
   * @param host  the request's {@code Host}, null when it had none (HTTP/1.0)
   * @param proto how the client reached this proxy: {@code http}, or {@code https} where it terminates TLS
   */
  static void addForwarded(MultiMap headers, String clientIp, String host, String proto) {
    String xff = headers.get(X_FORWARDED_FOR);
    headers.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
    if (!headers.contains(X_FORWARDED_PROTO)) {
      headers.set(X_FORWARDED_PROTO, proto);
    }
    if (host != null && !headers.contains(X_FORWARDED_HOST)) {
      headers.set(X_FORWARDED_HOST, host);
    }
    StringBuilder element = new StringBuilder(64);
    String forwarded = headers.get(FORWARDED);
    if (forwarded != null && !forwarded.isBlank()) {
      element.append(forwarded).append(", ");
    }
    element.append("for=");
    if (clientIp.indexOf(':') >= 0) {
      element.append("\"[").append(clientIp).append("]\"");
    } else {
      element.append(clientIp);
    }
    if (host != null) {
      element.append(";host=");
      appendValue(element, host);
    }
    element.append(";proto=").append(proto);
    headers.set(FORWARDED, element.toString());
  }

  /** Appends a {@code Forwarded} parameter value: as it is when it is a token, else as a quoted string. */
  private static void appendValue(StringBuilder out, String value) {
    boolean token = !value.isEmpty();
    for (int i = 0; i < value.length() && token; i++) {
      token = isTokenChar(value.charAt(i));
    }
    if (token) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }

  /** RFC 9110 {@code tchar}. */
  private static boolean isTokenChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** Appends this proxy to {@code Via}, with the protocol version of the message as it was received. */
  static void addVia(MultiMap headers, HttpVersion received) {
    String us = received == HttpVersion.HTTP_1_0 ? VIA_1_0 : VIA_1_1;
    String via = headers.get(VIA);
    headers.set(VIA, via == null || via.isBlank() ? us : via + ", " + us);
  }

  /**
   * Whether a request asks for a WebSocket upgrade: {@code Upgrade: websocket} with {@code upgrade} among the
   * {@code Connection} tokens (as in {@code Connection: keep-alive, Upgrade}).
   */
  static boolean isWebSocketUpgrade(MultiMap headers) {
    String upgrade = headers.get(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return false;
    }
    for (String connection : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : connection.split(",")) {
        if (token.trim().equalsIgnoreCase("upgrade")) {
          return true;
        }
      }
    }
    return false;
  }
}
