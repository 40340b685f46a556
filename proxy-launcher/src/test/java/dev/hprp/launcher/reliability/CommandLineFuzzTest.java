package dev.hprp.launcher.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.testing.Junk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Junk for every flag of {@code hprp} that takes a value, run through the command in this JVM: each bad value must
 * end with exit code 2 and exactly one line on stderr, naming the flag, and never a stack trace. A few generated
 * values that happen to be valid start the proxy, which is closed again at once (exit 0).
 *
 * <p>Table-driven junk for each kind of value (number, duration, name, address list), then generated junk with a
 * fixed seed per flag, so a failure always reproduces.
 */
class CommandLineFuzzTest {

  private static final int GENERATED_PER_FLAG = 40;
  private static final int STARTS_PER_FLAG = 1;
  /** Valid values for every flag the junk is not aimed at: loopback, an ephemeral port, no probes. Read-only. */
  private static final Map<String, String> BASE = baseArguments();

  /**
   * Valid values started so far, per flag, in this test method only: JUnit makes an instance per method, so which
   * values a method starts does not depend on which methods ran before it.
   */
  private final Map<String, Integer> started = new HashMap<>();

  private static final List<String> INTEGER_JUNK = List.of("", " ", "abc", "-1", "0x10", "1.5", "1e3", "1,000",
      "99999999999", "-99999999999", "2147483648", "1 2", "+", "-", "\u0000", "\uff11");
  private static final List<String> DURATION_JUNK = List.of("", " ", "5", "5x", "s", "ms5", "-1s", "1.5s", "1 s",
      "1S", "1sec", "0ms", "0s", "9999999999s", "999999999d", "PT5S", "5s5ms", "\u0661s", "1h ", "\t2s");

  private static Map<String, String> baseArguments() {
    Map<String, String> base = new LinkedHashMap<>();
    base.put("--port", "0");
    base.put("--host", "127.0.0.1");
    base.put("--backends", "127.0.0.1:9");
    base.put("--health-check", "none");
    return Collections.unmodifiableMap(base);
  }

  @Test
  void integerFlagsRefuseJunkWithExitCode2AndOneLineNamingTheFlag() throws Exception {
    List<String> failures = new ArrayList<>();
    for (String flag : List.of("--port", "--rise", "--fall", "--max-connect-attempts", "--event-loops")) {
      Random random = new Random(flag.hashCode());
      List<String> values = new ArrayList<>(INTEGER_JUNK);
      for (int i = 0; i < GENERATED_PER_FLAG; i++) {
        values.add(random.nextBoolean() ? Junk.string(random, "0123456789-+ .x", 12)
            : Long.toString(random.nextLong()));
      }
      for (String value : values) {
        // A valid port would really be bound on loopback, possibly one another program uses: skip those.
        if (!flag.equals("--port") || !isPort(value)) {
          check(flag, value, failures);
        }
      }
    }
    assertNone(failures);
  }

  @Test
  void durationFlagsRefuseJunkWithExitCode2AndOneLineNamingTheFlag() throws Exception {
    List<String> failures = new ArrayList<>();
    for (String flag : List.of("--connect-timeout", "--idle-timeout", "--health-interval", "--health-timeout")) {
      Random random = new Random(flag.hashCode());
      List<String> values = new ArrayList<>(DURATION_JUNK);
      for (int i = 0; i < GENERATED_PER_FLAG; i++) {
        values.add(random.nextBoolean() ? Junk.string(random, "0123456789smhd.- ", 12)
            : Junk.mutate(random, "250ms", "0123456789smhd.- "));
      }
      for (String value : values) {
        check(flag, value, failures);
      }
    }
    assertNone(failures);
  }

  @Test
  void backendListsRefuseJunkWithExitCode2AndOneLineNamingTheFlag() throws Exception {
    List<String> failures = new ArrayList<>();
    Random random = new Random(17);
    List<String> values = new ArrayList<>(List.of("", " ", ",", "a", "a:", ":1", "a:0", "a:65536", "[::1", "a:1,a:1",
        "a:1,,b:2", "a:1:0", "a:1:257", "http://a:1"));
    for (int i = 0; i < GENERATED_PER_FLAG; i++) {
      values.add(random.nextBoolean() ? Junk.string(random, Junk.ADDRESS_ALPHABET, 20)
          : Junk.mutate(random, "127.0.0.1:9,[::1]:9:2", Junk.ADDRESS_ALPHABET));
    }
    for (String value : values) {
      check("--backends", value, failures);
    }
    assertNone(failures);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "round robin", "ROUND-ROBIN", "roundrobin", "least", "random ", "\u0000", "-"})
  void unknownBalancerNamesExitWith2AndOneLineNamingTheFlag(String junk) throws Exception {
    List<String> failures = new ArrayList<>();
    check("--balancer", junk, failures);
    assertNone(failures);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "http:", "http:health", "https", "tcp:80", "udp", "HTTP", "http:/a b", "none,tcp",
      "\u0000"})
  void unknownHealthChecksExitWith2AndOneLineNamingTheFlag(String junk) throws Exception {
    List<String> failures = new ArrayList<>();
    check("--health-check", junk, failures);
    assertNone(failures);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--bogus", "-x", "--port", "--backends", "--port=", "--port=1=2", "positional", "-"})
  void unknownFlagsAndMissingValuesExitWith2AndOneLine(String junk) throws Exception {
    InProcessLauncher.Result result = InProcessLauncher.run("--port", "0", "--backends", "127.0.0.1:9",
        "--health-check", "none", junk);
    assertThat(result.exitCode()).as("exit code for %s; stderr: %s", junk, result.err()).isEqualTo(2);
    assertThat(result.err().lines()).as("stderr for %s", junk).hasSize(1).allMatch(l -> l.startsWith("hprp: "));
  }

  /**
   * Runs with {@code flag value} on top of the base arguments, and records what breaks the rule: exit 2 with one line
   * naming the flag. The value is parsed first with {@code --help} appended, which stops after parsing (the flags'
   * setters validate while parsing); a value accepted there is really started, and closed at once, for the first
   * {@value #STARTS_PER_FLAG} such values of each flag: starting is slow, and the junk is the point.
   */
  private void check(String flag, String value, List<String> failures) throws Exception {
    List<String> args = new ArrayList<>();
    BASE.forEach((name, base) -> {
      if (!name.equals(flag)) {
        args.add(name);
        args.add(base);
      }
    });
    args.add(flag);
    args.add(value);
    String run = flag + " " + Junk.describe(value);
    List<String> parseOnly = new ArrayList<>(args);
    parseOnly.add("--help");
    InProcessLauncher.Result parsed = InProcessLauncher.run(parseOnly.toArray(String[]::new));
    if (parsed.exitCode() == 2) {
      List<String> errLines = parsed.err().lines().toList();
      if (errLines.size() != 1 || !errLines.get(0).startsWith("hprp: ") || !errLines.get(0).contains(flag)) {
        failures.add(run + ": stderr not one line naming the flag: " + Junk.describe(parsed.err()));
      }
      return;
    }
    if (parsed.exitCode() != 0) {
      failures.add(run + ": exit " + parsed.exitCode() + " with --help, stderr " + Junk.describe(parsed.err()));
      return;
    }
    if (started.merge(flag, 1, Integer::sum) > STARTS_PER_FLAG) {
      return;
    }
    InProcessLauncher.Result result = InProcessLauncher.run(args.toArray(String[]::new));
    if (result.exitCode() != 0 || !result.out().contains("listening on")) {
      failures.add(run + ": accepted when parsed, then exit " + result.exitCode() + ", stderr "
          + Junk.describe(result.err()));
    }
  }

  private static boolean isPort(String value) {
    try {
      int port = Integer.parseInt(value.strip());
      return port >= 0 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void assertNone(List<String> failures) {
    assertThat(failures.size()).as("values that broke the rule; the first ones: %s",
        failures.subList(0, Math.min(10, failures.size()))).isZero();
  }
}
