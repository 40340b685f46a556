package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.ReadmeBlocks;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps README.md true: its embedding example is the code between the README markers of examples/embedded's
 * EmbeddedProxyTest, and its testing example those of PriceClientTest (which `mvn verify` runs against the
 * installed artifacts), its Maven snippets are that project's, and its flag table lists every flag of the command
 * with the default the command uses.
 */
class ReadmeTest {

  private static final Path README = ReadmeBlocks.readme();
  /** The example project (examples/embedded), which builds against the installed artifacts as a user's would. */
  private static final Path EXAMPLE_PROJECT = README.toAbsolutePath().getParent().resolve("examples/embedded");
  private static final Path EXAMPLE_TEST =
      EXAMPLE_PROJECT.resolve("src/test/java/com/example/embedded/EmbeddedProxyTest.java");
  private static final Path TESTING_EXAMPLE_TEST =
      EXAMPLE_PROJECT.resolve("src/test/java/com/example/embedded/PriceClientTest.java");
  private static final Pattern XML_BLOCK = Pattern.compile("(?s)```xml\n(.*?)\n```\n");
  private static final Pattern BOM_VERSION =
      Pattern.compile("<artifactId>hprp-bom</artifactId>\\s*<version>([^<]+)</version>");

  @Test
  void readmeShowsTheExamplesVerbatim() {
    ReadmeBlocks.assertShown(EXAMPLE_TEST, 3);
    ReadmeBlocks.assertShown(TESTING_EXAMPLE_TEST, 1);
  }

  @Test
  void readmeMavenSnippetsAreTheExampleProjectsWithThisVersion() throws IOException {
    String readme = Files.readString(README);
    String pom = Files.readString(EXAMPLE_PROJECT.resolve("pom.xml"));
    List<String> snippets = XML_BLOCK.matcher(readme).results().map(m -> m.group(1)).collect(Collectors.toList());

    assertThat(snippets).as("the BOM import, the dependencies, the test kit's").hasSize(3);
    for (String snippet : snippets) {
      assertThat(unindented(pom)).as("examples/embedded/pom.xml has, but for indentation:%n%s", snippet)
          .contains(unindented(snippet));
    }
    for (String text : List.of(readme, pom)) {
      Matcher version = BOM_VERSION.matcher(text);
      assertThat(version.find()).isTrue();
      assertThat(version.group(1)).as("hprp-bom's version").isEqualTo(Version.hprp());
    }
  }

  @Test
  void readmeTableListsEveryFlagWithItsDefault() throws Exception {
    String readme = Files.readString(README);
    CommandSpec spec = HprpCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
        running -> 0).getCommandSpec();

    for (OptionSpec option : spec.options()) {
      String row = readme.lines()
          .filter(line -> line.startsWith("| `" + option.longestName() + "`")
              || line.startsWith("| `" + option.longestName() + " "))
          .findFirst()
          .orElse(null);
      assertThat(row).as("README table row for %s", option.longestName()).isNotNull();
      String byDefault = spec.defaultValueProvider().defaultValue(option);
      // The CPU count and the open-file limit differ from machine to machine: the README says how they are derived.
      if (byDefault != null && !List.of("--event-loops", "--max-connections").contains(option.longestName())) {
        assertThat(row).as("default of %s", option.longestName()).contains("| `" + byDefault + "` |");
      }
    }
  }

  @Test
  void readmeShowsTheExampleConfigFileVerbatim() throws IOException {
    Path example = README.toAbsolutePath().getParent().resolve("test-data/hprp.example.yaml");

    assertThat(Files.readString(README)).contains("```yaml\n" + Files.readString(example) + "```\n");
  }

  @Test
  void readmeExplainsEveryBalancer() throws IOException {
    String readme = Files.readString(README);

    for (String name : new BalancerConverter()) {
      assertThat(readme).contains("| `" + name + "` |");
    }
  }

  private static String unindented(String text) {
    return text.lines().map(String::strip).collect(Collectors.joining("\n"));
  }
}
