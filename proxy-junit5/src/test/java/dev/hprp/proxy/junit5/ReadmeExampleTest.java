package dev.hprp.proxy.junit5;

import dev.hprp.proxy.testing.ReadmeBlocks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README.md's "Testing your service with HPRP" example is {@code example/PriceClientTest}, which the build compiles
 * and runs; this checks the README shows it as written there.
 */
class ReadmeExampleTest {

  @Test
  void readmeShowsTheJUnitExampleVerbatim() {
    ReadmeBlocks.assertShown(Path.of("src/test/java/dev/hprp/proxy/junit5/example/PriceClientTest.java"), 1);
  }
}
