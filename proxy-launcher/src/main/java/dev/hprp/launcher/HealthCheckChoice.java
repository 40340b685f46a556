package dev.hprp.launcher;

import dev.hprp.proxy.health.HealthCheck;
import java.util.Optional;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of {@code --health-check}: {@code none}, {@code tcp} (a TCP connect), {@code http} ({@code GET /}) or
 * {@code http:/path}.
 *
 * @param text  as written, for the start-up line; never null
 * @param check the probe, empty for {@code none}
 */
record HealthCheckChoice(String text, Optional<HealthCheck> check) {

  /** Parses the flag's value; fails naming the accepted forms. */
  static HealthCheckChoice parse(String text) {
    String value = text.strip();
    if (value.equals("none")) {
      return new HealthCheckChoice(value, Optional.empty());
    }
    if (value.equals("tcp")) {
      return new HealthCheckChoice(value, Optional.of(HealthCheck.tcpConnect()));
    }
    if (value.equals("http") || value.startsWith("http:")) {
      String path = value.equals("http") ? "/" : value.substring("http:".length());
      try {
        return new HealthCheckChoice("http:" + path, Optional.of(HealthCheck.httpGet(path)));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
    throw new TypeConversionException("'" + text + "' (expected: none, tcp, http or http:/path)");
  }
}
