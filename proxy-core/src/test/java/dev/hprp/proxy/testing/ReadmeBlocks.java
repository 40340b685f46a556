package dev.hprp.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps README.md's code true: a test marks regions of its own source with a {@code // README-BEGIN} line before and
 * a {@code // README-END} line after; the test runs them, and {@link #assertShown} checks that README.md shows each
 * region verbatim as a {@code java} block. Every module's README examples go through here.
 */
public final class ReadmeBlocks {

  private static final Pattern MARKED = Pattern.compile("(?s)\n( *)// README-BEGIN\n(.*?)\n *// README-END\n");

  private ReadmeBlocks() {
  }

  /** README.md: the {@code hprp.readme} system property when set, else {@code ../README.md} from the module. */
  public static Path readme() {
    return Path.of(System.getProperty("hprp.readme", "../README.md"));
  }

  /** The marked regions of {@code source}, in order, each with its common indentation removed. */
  public static List<String> marked(Path source) {
    List<String> blocks = new ArrayList<>();
    Matcher m = MARKED.matcher(read(source));
    while (m.find()) {
      int indent = m.group(1).length();
      blocks.add(m.group(2).lines()
          .map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
          .collect(Collectors.joining("\n")));
    }
    return blocks;
  }

  /** Asserts that {@code source} has {@code count} marked regions and that README.md shows each as written there. */
  public static void assertShown(Path source, int count) {
    String readme = read(readme());
    List<String> blocks = marked(source);

    assertThat(blocks).as("README regions marked in %s", source).hasSize(count);
    for (String block : blocks) {
      assertThat(readme).as("README.md shows this block as written in %s", source.getFileName())
          .contains("```java\n" + block + "\n```\n");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
