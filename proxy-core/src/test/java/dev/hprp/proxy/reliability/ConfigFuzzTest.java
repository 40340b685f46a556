package dev.hprp.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.testing.Junk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Junk for every piece of configuration a user types: the backend list ({@link Backend#parseList}) and every numeric
 * and duration setting of the options. The rule: junk is refused with an {@link IllegalArgumentException} whose
 * message is one line naming the setting, never another exception; a value is accepted exactly when it is within the
 * documented range, and then reads back as given; a backend list is parsed to the backends its text names.
 *
 * <p>Table-driven cases for the known traps, then generated junk with fixed seeds, so a failure always reproduces.
 */
class ConfigFuzzTest {

  private static final int GENERATED = 20_000;

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ",", ",,", "a", "a:", ":1", ":", "a:0", "a:65536", "a:99999999999999999999",
      "a:-1", "a:+1", "a: 1", "a:1 :2", "a:1:0", "a:1:257", "a:1:-1", "a:1:1:1", "a:1:", "a::1", "[::1", "[::1]",
      "[::1]1", "[::1]:", "[]:1", "[1.2.3.4]:80", "[::1]:0", "[::1]:1:0", "::1:80", "a b:1", "a\u0000b:1", "\u00e4:1",
      "a:\uff11\uff12", "a:\u0661\u0662", "a:0x50", "a:1e3", "a:1.0", "a:1,a:1", "a:1,,b:2", "a:1,", ",a:1", "a:1, ",
      "a:1,\t", "a:1;b:2", "a:1 b:2", "http://a:1", "a:1/x", "a:00000000001", "[fe80::1%eth0]:80:x"})
  void backendListJunkIsRefusedWithAMessageNamingTheBackends(String junk) {
    assertThatThrownBy(() -> Backend.parseList(junk))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertOneLineNaming(e.getMessage(), "backend"));
  }

  /**
   * These are neither host names (RFC 1123 labels of letters, digits and inner hyphens) nor IP literals: refused at
   * parse time, where the mistake is cheap, rather than showing as a failed connect every time the proxy runs.
   */
  @ParameterizedTest
  @ValueSource(strings = {"-:3001", ".:3001", "...:3001", "%:3001", "a..b:3001", "-a-:3001", "[:]:3001",
      "[:::::]:3001"})
  void hostsThatAreNeitherNamesNorAddressesAreRefused(String junk) {
    assertThatThrownBy(() -> Backend.parseList(junk))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertOneLineNaming(e.getMessage(), "backend"));
  }

  @Test
  void generatedBackendListsAreRefusedWithAMessageOrParsedToWhatTheySay() {
    Random random = new Random(20261101);
    String[] seeds = {"host:3001", "host:3001:2,[::1]:80", "10.0.0.1:65535:256", "[fe80::1%25eth0]:8080"};
    List<String> failures = new ArrayList<>();
    int accepted = 0;
    for (int i = 0; i < GENERATED; i++) {
      String input = i % 2 == 0 ? Junk.string(random, Junk.ADDRESS_ALPHABET, 24)
          : Junk.mutate(random, seeds[random.nextInt(seeds.length)], Junk.ADDRESS_ALPHABET);
      try {
        List<Backend> parsed = Backend.parseList(input);
        accepted++;
        List<Backend> said = whatTheInputSays(input);
        if (!parsed.equals(said)) {
          failures.add(Junk.describe(input) + " -> " + parsed + ", but the text says " + said);
        }
        for (Backend backend : parsed) {
          if (!Backend.parse(backend.toString()).equals(backend)) {
            failures.add(Junk.describe(input) + " -> " + backend + " does not read back");
          }
        }
      } catch (IllegalArgumentException e) {
        if (!isOneLineNaming(e.getMessage(), "backend")) {
          failures.add(Junk.describe(input) + " -> message " + Junk.describe(e.getMessage()));
        }
      } catch (RuntimeException e) {
        failures.add(Junk.describe(input) + " -> " + e);
      }
    }
    assertNone(failures);
    assertThat(accepted).as("generated lists accepted, each compared with its text").isGreaterThan(1000);
  }

  /**
   * The backends an accepted list names, read off the text without the parser: items split at commas, each
   * {@code host:port[:weight]} or {@code [ipv6]:port[:weight]}, numbers in decimal, weight 1 when absent.
   */
  private static List<Backend> whatTheInputSays(String input) {
    List<Backend> backends = new ArrayList<>();
    for (String item : input.split(",", -1)) {
      String text = item.strip();
      int hostEnd = text.startsWith("[") ? text.indexOf(']') + 1 : text.indexOf(':');
      String host = text.substring(0, hostEnd);
      String[] numbers = text.substring(hostEnd + 1).split(":", -1);
      int weight = numbers.length > 1 ? Integer.parseInt(numbers[1]) : Backend.DEFAULT_WEIGHT;
      backends.add(new Backend(host, Integer.parseInt(numbers[0]), weight));
    }
    return backends;
  }

  @Test
  void generatedIntegersAreRefusedWithAMessageOrAcceptedInRange() {
    // The ranges as the setters' Javadoc documents them.
    List<Setting<Integer>> settings = List.of(
        new Setting<>("port", v -> new ReverseProxyOptions().setPort(v).getPort(), between(0, 65535)),
        new Setting<>("maxConnectAttempts",
            v -> new ReverseProxyOptions().setMaxConnectAttempts(v).getMaxConnectAttempts(), between(1, 100)),
        new Setting<>("eventLoops", v -> new ReverseProxyOptions().setEventLoops(v).getEventLoops(),
            between(1, 1024)),
        new Setting<>("rise", v -> new HealthCheckOptions().setRise(v).getRise(), between(1, 100)),
        new Setting<>("fall", v -> new HealthCheckOptions().setFall(v).getFall(), between(1, 100)),
        new Setting<>("consecutiveFailures",
            v -> new PassiveHealthOptions().setConsecutiveFailures(v).getConsecutiveFailures(), between(1, 1000)),
        new Setting<>("maxEjectedPercent",
            v -> new PassiveHealthOptions().setMaxEjectedPercent(v).getMaxEjectedPercent(), between(0, 100)),
        new Setting<>("maxConnections", v -> new ReverseProxyOptions().setMaxConnections(v).getMaxConnections(),
            between(0, 10_000_000)),
        new Setting<>("backendMaxConnections",
            v -> new ReverseProxyOptions().setBackendMaxConnections(v).getBackendMaxConnections(),
            between(0, 10_000_000)),
        new Setting<>("maxQueue", v -> new ReverseProxyOptions().setMaxQueue(v).getMaxQueue(), between(0, 1_000_000)));
    Random random = new Random(7);
    List<Integer> values = new ArrayList<>(List.of(Integer.MIN_VALUE, -1, 0, 1, 100, 101, 1024, 1025, 65535, 65536,
        Integer.MAX_VALUE));
    for (int i = 0; i < 2_000; i++) {
      values.add(random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(70_000) - 1_000);
    }
    List<String> failures = new ArrayList<>();
    for (Setting<Integer> setting : settings) {
      for (int value : values) {
        check(setting, value, failures);
      }
    }
    assertNone(failures);
  }

  /**
   * A duration too large for {@link Duration#toMillis()} must get the setting's {@link IllegalArgumentException}, not
   * escape as an {@link ArithmeticException} (it once did).
   */
  @Test
  void generatedDurationsAreRefusedWithAMessageOrAcceptedInRange() {
    Duration millisecond = Duration.ofMillis(1);
    Duration tenMillis = Duration.ofMillis(10);
    Duration hour = Duration.ofHours(1);
    List<Setting<Duration>> settings = List.of(
        new Setting<>("connectTimeout", v -> new ReverseProxyOptions().setConnectTimeout(v).getConnectTimeout(),
            between(millisecond, hour)),
        new Setting<>("idleTimeout", v -> new ReverseProxyOptions().setIdleTimeout(v).getIdleTimeout(),
            between(millisecond, Duration.ofDays(7))),
        new Setting<>("health interval", v -> new HealthCheckOptions().setInterval(v).getInterval(),
            between(tenMillis, hour)),
        new Setting<>("health timeout", v -> new HealthCheckOptions().setTimeout(v).getTimeout(),
            between(tenMillis, hour)),
        new Setting<>("baseEjectionTime",
            v -> new PassiveHealthOptions().setBaseEjectionTime(v).getBaseEjectionTime(), between(tenMillis, hour)),
        new Setting<>("maxEjectionTime",
            v -> new PassiveHealthOptions().setMaxEjectionTime(v).getMaxEjectionTime(), between(tenMillis, hour)),
        new Setting<>("queueTimeout", v -> new ReverseProxyOptions().setQueueTimeout(v).getQueueTimeout(),
            between(millisecond, hour)),
        new Setting<>("clientTimeout", v -> new ReverseProxyOptions().setClientTimeout(v).getClientTimeout(),
            between(Duration.ZERO, Duration.ofDays(7))));
    Random random = new Random(11);
    List<Duration> values = new ArrayList<>(List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofNanos(999_999),
        Duration.ofMillis(-1), Duration.ofDays(-1), Duration.ofDays(365 * 1000), Duration.ofSeconds(Long.MAX_VALUE),
        Duration.ofSeconds(Long.MIN_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
    for (int i = 0; i < 2_000; i++) {
      values.add(random.nextBoolean() ? Duration.ofSeconds(random.nextLong(), random.nextInt(1_000_000_000))
          : Duration.ofMillis(random.nextInt(8 * 24 * 3600 * 1000) - 1000));
    }
    List<String> failures = new ArrayList<>();
    for (Setting<Duration> setting : settings) {
      for (Duration value : values) {
        check(setting, value, failures);
      }
    }
    assertNone(failures);
  }

  @Test
  void generatedJittersAreRefusedWithAMessageOrAcceptedInRange() {
    Random random = new Random(13);
    List<Double> values = new ArrayList<>(List.of(Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
        -0.0, 0.0, 1.0, Math.nextUp(1.0), -Double.MIN_VALUE, Double.MAX_VALUE));
    for (int i = 0; i < 1_000; i++) {
      values.add(random.nextDouble() * 4 - 2);
    }
    Setting<Double> jitter = new Setting<>("jitter", v -> new HealthCheckOptions().setJitter(v).getJitter(),
        v -> v >= 0.0 && v <= 1.0);
    List<String> failures = new ArrayList<>();
    for (double value : values) {
      check(jitter, value, failures);
    }
    assertNone(failures);
  }

  /**
   * A setting under test: its name as messages give it, a setter that returns what the getter then reads, and the
   * documented range of accepted values.
   */
  private record Setting<T>(String name, Function<T, Object> setAndGet, Predicate<T> documentedRange) {
  }

  private static Predicate<Integer> between(int min, int max) {
    return v -> v >= min && v <= max;
  }

  private static Predicate<Duration> between(Duration min, Duration max) {
    return v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0;
  }

  /**
   * Applies the setting to {@code value}: a value in the documented range must be accepted and read back equal to
   * it; one outside must be refused with a one-line message naming the setting.
   */
  private static <T> void check(Setting<T> setting, T value, List<String> failures) {
    String call = setting.name() + "(" + value + ")";
    boolean inRange = setting.documentedRange().test(value);
    try {
      Object read = setting.setAndGet().apply(value);
      if (!inRange) {
        failures.add(call + " accepted outside the documented range");
      } else if (!read.equals(value)) {
        failures.add(call + " read back as " + read);
      }
    } catch (IllegalArgumentException e) {
      if (inRange) {
        failures.add(call + " refused inside the documented range: " + Junk.describe(e.getMessage()));
      } else if (!isOneLineNaming(e.getMessage(), setting.name())) {
        failures.add(call + " -> message " + Junk.describe(e.getMessage()));
      }
    } catch (RuntimeException e) {
      failures.add(call + " -> " + e);
    }
  }

  /** Fails listing how many inputs broke the rule and the first ten, when any did. */
  private static void assertNone(List<String> failures) {
    assertThat(failures.size()).as("inputs that broke the rule; the first ones: %s",
        failures.subList(0, Math.min(10, failures.size()))).isZero();
  }

  private static void assertOneLineNaming(String message, String name) {
    assertThat(isOneLineNaming(message, name)).as("message %s names %s on one line", Junk.describe(message), name)
        .isTrue();
  }

  private static boolean isOneLineNaming(String message, String name) {
    return message != null && message.startsWith(name) && message.lines().count() == 1;
  }
}
