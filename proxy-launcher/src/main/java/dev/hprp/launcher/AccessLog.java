package dev.hprp.launcher;

import dev.hprp.proxy.ConnectionRecord;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --access-log}: one line per connection (HTTP mode: per request) to the SLF4J logger {@code dev.hprp.access},
 * at INFO. The format is stable (fields are only ever added at the end), space-separated, times in milliseconds:
 *
 * <pre>
 * start client backend end attempts connect_ms first_byte_ms total_ms bytes_to_backend bytes_from_backend "failures"
 * 2026-11-27T10:15:30.123Z 127.0.0.1:53412 10.0.0.2:3001 CLIENT_CLOSED 2 1.204 1.950 15.322 5 5 "10.0.0.1:3001 Connection refused"
 * </pre>
 *
 * <p>In HTTP mode three fields follow, {@code method "uri" status}, and the bytes are the bodies' (heads excluded):
 *
 * <pre>
 * 2026-11-27T10:15:30.123Z 127.0.0.1:53412 10.0.0.2:3001 COMPLETED 1 0.210 3.105 3.402 0 512 "-" GET "/items?page=2" 200
 * </pre>
 *
 * <p>{@code -} stands for a value that does not exist (no backend, no byte from it); {@code "-"} for no failure.
 * Failures are {@code backend cause}, separated by {@code ; }. In the URI, a {@code "}, a space and control characters
 * are percent-encoded, so the field always ends at its closing quote. Thread-safe: called on each connection's event
 * loop.
 */
final class AccessLog {

  /** The logger every line goes to. */
  static final String LOGGER = "dev.hprp.access";

  private static final Logger log = LoggerFactory.getLogger(LOGGER);
  private static final DateTimeFormatter START = DateTimeFormatter.ISO_INSTANT;

  private AccessLog() {
  }

  /** Logs {@code record}'s line, when the logger is on. */
  static void write(ConnectionRecord record) {
    if (log.isInfoEnabled()) {
      log.info(line(record));
    }
  }

  /** The line for {@code record}. */
  static String line(ConnectionRecord record) {
    StringBuilder line = new StringBuilder(160);
    line.append(START.format(record.start().truncatedTo(ChronoUnit.MILLIS))).append(' ')
        .append(address(record.client())).append(' ')
        .append(record.backend() == null ? "-" : record.backend().id()).append(' ')
        .append(record.end()).append(' ')
        .append(record.attempts().size()).append(' ')
        .append(millis(record.connectTime())).append(' ')
        .append(millis(record.firstByteTime())).append(' ')
        .append(millis(record.totalTime())).append(' ')
        .append(record.bytesToBackend()).append(' ')
        .append(record.bytesFromBackend()).append(" \"");
    int failures = 0;
    for (ConnectionRecord.Attempt attempt : record.attempts()) {
      if (!attempt.succeeded()) {
        line.append(failures++ == 0 ? "" : "; ").append(attempt.backend().id()).append(' ')
            .append(cause(attempt.failure()));
      }
    }
    line.append(failures == 0 ? "-\"" : "\"");
    ConnectionRecord.Request request = record.request();
    if (request != null) {
      line.append(' ').append(request.method()).append(" \"");
      appendUri(line, request.uri());
      line.append("\" ").append(request.status());
    }
    return line.toString();
  }

  /** Appends {@code uri}, its quote, space and control characters percent-encoded. */
  private static void appendUri(StringBuilder line, String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c == '"' || c == 0x7f) {
        line.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4 & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        line.append(c);
      }
    }
  }

  private static String address(SocketAddress address) {
    String host = address.hostAddress();
    if (host == null) {
      return address.toString();
    }
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.port();
  }

  private static String millis(Duration duration) {
    return duration == null ? "-" : String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e6);
  }

  /** The failure's message on one line, without the quote that ends the field. */
  private static String cause(Throwable failure) {
    String message = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
    return message.replace('"', '\'').replaceAll("\\s+", " ").strip();
  }
}
