package dev.hprp.launcher;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.IVersionProvider;

/**
 * Versions of HPRP and what it runs on, shown by {@code --version}: HPRP's own from a resource Maven fills in at build
 * time; Vert.x's, Netty's and Java's as found at run time, so that they tell what is actually on the class path.
 */
final class Version implements IVersionProvider {

  private static final Properties VERSIONS = load();

  /** HPRP's version, such as {@code 0.1.0-SNAPSHOT}. */
  static String hprp() {
    return VERSIONS.getProperty("hprp");
  }

  /** The version of the Vert.x core on the class path, from its {@code META-INF/vertx/vertx-version.txt}. */
  static String vertx() {
    try (InputStream in = Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The version of the Netty on the class path, as {@link io.netty.util.Version#identify()} reports it. */
  static String netty() {
    Map<String, String> modules = new TreeMap<>();
    io.netty.util.Version.identify().forEach((module, version) -> modules.put(module, version.artifactVersion()));
    return netty(modules);
  }

  /**
   * One version when every Netty module is that version; otherwise {@code mixed} and each module with its version.
   * The netty-tcnative modules, versioned apart from Netty, are left out.
   *
   * @param modules each Netty module (artifact id) found and its version
   */
  static String netty(Map<String, String> modules) {
    Map<String, String> netty = new TreeMap<>(modules);
    netty.keySet().removeIf(module -> module.startsWith("netty-tcnative"));
    TreeSet<String> versions = new TreeSet<>(netty.values());
    if (versions.isEmpty()) {
      return "unknown";
    }
    if (versions.size() == 1) {
      return versions.first();
    }
    return "mixed (" + netty.entrySet().stream()
        .map(module -> module.getKey() + " " + module.getValue())
        .collect(Collectors.joining(", ")) + ")";
  }

  @Override
  public String[] getVersion() {
    return new String[] {
        "hprp " + hprp(),
        "Vert.x " + vertx() + ", Netty " + netty()
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
