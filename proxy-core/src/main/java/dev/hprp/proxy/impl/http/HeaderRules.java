package dev.hprp.proxy.impl.http;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;

/**
 * The header edits HTTP mode makes on what it forwards, each way: hop-by-hop headers out (RFC 9110 §7.6.1), the
 * forwarded headers and {@code Via} in. Stateless; the maps given are edited in place.
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
   * Removes the hop-by-hop headers: {@code Connection} and every header it names, {@code Keep-Alive},
   * {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding} (the framing is the proxy's to
   * choose on each side) and {@code Upgrade}. A WebSocket upgrade is then put back by the caller.
   */
  static void removeHopByHop(MultiMap headers) {
    String connection = headers.get(HttpHeaders.CONNECTION);
    if (connection != null) {
      for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
        removeNamed(headers, value);
      }
      headers.remove(HttpHeaders.CONNECTION);
    }
    headers.remove(HttpHeaders.KEEP_ALIVE);
    headers.remove(PROXY_CONNECTION);
    headers.remove(TE);
    headers.remove(TRAILER);
    headers.remove(HttpHeaders.TRANSFER_ENCODING);
    headers.remove(HttpHeaders.UPGRADE);
  }

  /** Removes each header named in a {@code Connection} value ({@code close}, {@code keep-alive} name none). */
  private static void removeNamed(MultiMap headers, String connection) {
    int start = 0;
    int length = connection.length();
    while (start < length) {
      int comma = connection.indexOf(',', start);
      int end = comma < 0 ? length : comma;
      String name = connection.substring(start, end).trim();
      if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")) {
        headers.remove(name);
      }
      start = end + 1;
    }
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
