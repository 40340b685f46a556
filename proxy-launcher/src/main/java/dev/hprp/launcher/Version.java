package dev.hprp.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Versions of HPRP and what it runs on, from a resource Maven fills in at build time; shown by {@code --version}. */
final class Version implements IVersionProvider {

  private static final Properties VERSIONS = load();

  /** HPRP's version, such as {@code 0.1.0-SNAPSHOT}. */
  static String hprp() {
    return VERSIONS.getProperty("hprp");
  }

  @Override
  public String[] getVersion() {
    return new String[] {
        "hprp " + hprp(),
        "Vert.x " + VERSIONS.getProperty("vertx") + ", Netty " + VERSIONS.getProperty("netty")
            + ", Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
  }

  private static Properties load() {
    Properties properties = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("version.properties is missing from the launcher jar", e);
    }
    return properties;
  }
}
