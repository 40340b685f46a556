package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Runs flags through the command without starting anything: the settings they make, or the usage error. */
final class Flags {

  private static final Main.Serving MUST_NOT_START = running -> {
    throw new AssertionError("the proxy started on port " + running.port());
  };

  /** Values for the flags a test does not give when a start must be harmless. */
  private static final Map<String, String> SAFE = Map.of("--host", "127.0.0.1", "--port", "0", "--health-check",
      "none");

  private Flags() {
  }

  /** The settings {@code args} make, as the command would run them. */
  static Settings settings(String... args) {
    CommandLine commandLine = HprpCommand.commandLine(new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()), MUST_NOT_START);
    commandLine.parseArgs(args);
    return commandLine.<HprpCommand>getCommand().settings();
  }

  /** The command's options, as picocli sees them. */
  static CommandSpec spec() {
    return HprpCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
        MUST_NOT_START).getCommandSpec();
  }

  /** What {@code --help} shows as {@code option}'s default; null when it has none. */
  static String defaultOf(OptionSpec option) {
    try {
      return spec().defaultValueProvider().defaultValue(spec().findOption(option.longestName()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** What {@code --help} prints, white space collapsed. */
  static String help() {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), MUST_NOT_START,
        "--help");
    assertThat(code).isZero();
    return out.toString().replaceAll("\\s+", " ");
  }

  /**
   * Runs the command with {@code flag value} (and backends, unless that is the flag), which must be refused as an
   * invalid value of that flag.
   *
   * @return what the one line on stderr says after {@code hprp: Invalid value for option 'flag': }
   */
  static String refusal(String flag, String value) {
    String[] args = flag.equals("--backends") ? new String[] {flag, value}
        : new String[] {"--backends", "127.0.0.1:1", flag, value};
    String prefix = "hprp: Invalid value for option '" + flag + "': ";
    String line = usageError(args);
    assertThat(line).startsWith(prefix);
    return line.substring(prefix.length());
  }

  /**
   * Runs the command with {@code args}, which must be refused: exit code 2, nothing on stdout, one line on stderr.
   *
   * @return that line
   */
  static String usageError(String... args) {
    // Should the value be accepted after all, the proxy starts on loopback, any port, without probes, and fails.
    List<String> line = new ArrayList<>(List.of(args));
    SAFE.forEach((flag, value) -> {
      if (!line.contains(flag)) {
        line.add(0, value);
        line.add(0, flag);
      }
    });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), MUST_NOT_START,
        line.toArray(String[]::new));
    assertThat(code).as("exit code; stderr: %s", err).isEqualTo(HprpCommand.EXIT_USAGE);
    assertThat(out.toString()).as("stdout").isEmpty();
    assertThat(err.toString()).as("stderr").hasLineCount(1).startsWith("hprp: ").doesNotContain("Exception");
    return err.toString().strip();
  }
}
