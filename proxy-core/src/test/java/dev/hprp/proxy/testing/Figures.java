package dev.hprp.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The figures a reliability test measured (counts, latencies, bytes per connection): logged, and appended to
 * {@code target/reliability-figures.tsv} of the module (the working directory of its tests) so a run leaves them in
 * one place for the README's "What we test". Thread-safe.
 */
public final class Figures {

  private static final Logger log = LoggerFactory.getLogger(Figures.class);
  private static final Path FILE = Path.of("target", "reliability-figures.tsv");

  private Figures() {
  }

  /** Records one figure of {@code scenario}. */
  public static synchronized void record(String scenario, String name, Object value) {
    log.info("{}: {} = {}", scenario, name, value);
    String line = Instant.now() + "\t" + scenario + "\t" + name + "\t" + value + "\n";
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code bytes} in KiB with one decimal. */
  public static String kib(double bytes) {
    return String.format("%.1f KiB", bytes / 1024);
  }

  /** {@code nanos} in milliseconds. */
  public static String millis(long nanos) {
    return nanos / 1_000_000 + " ms";
  }
}
