package dev.hprp.proxy.testing;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** The project's shared fixtures in {@code test-data/}, located by the build's {@code hprp.testData} property. */
public final class TestData {

  private TestData() {
  }

  /** The {@code test-data} directory; the build sets it, and {@code ../test-data} serves a run from a module dir. */
  public static Path dir() {
    String configured = System.getProperty("hprp.testData");
    Path dir = configured != null ? Path.of(configured) : Path.of("..", "test-data");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("test-data directory not found at " + dir.toAbsolutePath());
    }
    return dir;
  }

  /** Loads {@code test-data/<name>} as properties. */
  public static Properties properties(String name) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(dir().resolve(name))) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }
}
