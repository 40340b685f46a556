package com.example.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.util.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Netty this service runs on at run time: one version, and the one the hprp command (launcher jar) runs on. */
class NettyVersionTest {

  private static final Pattern NETTY = Pattern.compile("Netty (\\S+?),");

  @Test
  void everyNettyModuleIsOneVersion() {
    Map<String, String> modules = nettyModules();

    assertTrue(modules.containsKey("netty-transport-native-epoll"), () -> "native epoll jar loaded: " + modules);
    assertEquals(1, modules.values().stream().distinct().count(), () -> "mixed Netty versions: " + modules);
  }

  @Test
  void launcherJarRunsOnTheSameNetty() throws IOException, InterruptedException {
    String jar = System.getProperty("hprp.launcherJar", "");
    assumeTrue(!jar.isBlank() && Files.isRegularFile(Path.of(jar)), "set by the build at the repository's root");

    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "--version")
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), output);

    Matcher netty = NETTY.matcher(output);
    assertTrue(netty.find(), () -> "--version names Netty: " + output);
    assertEquals(nettyModules().get("netty-common"), netty.group(1), output);
  }

  /** Each Netty module on the class path (the netty-tcnative ones, versioned apart, left out) and its version. */
  private static Map<String, String> nettyModules() {
    Map<String, String> modules = new TreeMap<>();
    Version.identify().forEach((module, version) -> {
      if (!module.startsWith("netty-tcnative")) {
        modules.put(module, version.artifactVersion());
      }
    });
    return modules;
  }
}
