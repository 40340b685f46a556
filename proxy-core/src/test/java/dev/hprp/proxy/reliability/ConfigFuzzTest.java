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
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Junk for every piece of configuration a user types: the backend list ({@link Backend#parseList}) and every numeric
 * and duration setting of the options. The rule: junk is refused with an {@link IllegalArgumentException} whose
 * message is one line naming the setting, never another exception; what is accepted is within the documented range
 * and reads back unchanged.
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
    for (int i = 0; i < GENERATED; i++) {
      String input = i % 2 == 0 ? Junk.string(random, Junk.ADDRESS_ALPHABET, 24)
          : Junk.mutate(random, seeds[random.nextInt(seeds.length)], Junk.ADDRESS_ALPHABET);
      try {
        List<Backend> parsed = Backend.parseList(input);
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
  }

  @Test
  void generatedIntegersAreRefusedWithAMessageOrAcceptedInRange() {
    Map<String, IntFunction<Object>> setters = Map.of(
        "port", v -> new ReverseProxyOptions().setPort(v).getPort(),
        "maxConnectAttempts", v -> new ReverseProxyOptions().setMaxConnectAttempts(v).getMaxConnectAttempts(),
        "eventLoops", v -> new ReverseProxyOptions().setEventLoops(v).getEventLoops(),
        "rise", v -> new HealthCheckOptions().setRise(v).getRise(),
        "fall", v -> new HealthCheckOptions().setFall(v).getFall(),
        "consecutiveFailures", v -> new PassiveHealthOptions().setConsecutiveFailures(v).getConsecutiveFailures(),
        "maxEjectedPercent", v -> new PassiveHealthOptions().setMaxEjectedPercent(v).getMaxEjectedPercent(),
        "maxConnections", v -> new ReverseProxyOptions().setMaxConnections(v).getMaxConnections(),
        "backendMaxConnections", v -> new ReverseProxyOptions().setBackendMaxConnections(v).getBackendMaxConnections(),
        "maxQueue", v -> new ReverseProxyOptions().setMaxQueue(v).getMaxQueue());
    Random random = new Random(7);
    List<Integer> values = new ArrayList<>(List.of(Integer.MIN_VALUE, -1, 0, 1, 100, 101, 1024, 1025, 65535, 65536,
        Integer.MAX_VALUE));
    for (int i = 0; i < 2_000; i++) {
      values.add(random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(70_000) - 1_000);
    }
    List<String> failures = new ArrayList<>();
    setters.forEach((name, setter) -> {
      for (int value : values) {
        check(name, value, setter::apply, failures);
      }
    });
    assertNone(failures);
  }

  /**
   * A duration too large for {@link Duration#toMillis()} must get the setting's {@link IllegalArgumentException}, not
   * escape as an {@link ArithmeticException} (it once did).
   */
  @Test
  void generatedDurationsAreRefusedWithAMessageOrAcceptedInRange() {
    Map<String, Function<Duration, Object>> setters = Map.of(
        "connectTimeout", v -> new ReverseProxyOptions().setConnectTimeout(v).getConnectTimeout(),
        "idleTimeout", v -> new ReverseProxyOptions().setIdleTimeout(v).getIdleTimeout(),
        "health interval", v -> new HealthCheckOptions().setInterval(v).getInterval(),
        "health timeout", v -> new HealthCheckOptions().setTimeout(v).getTimeout(),
        "baseEjectionTime", v -> new PassiveHealthOptions().setBaseEjectionTime(v).getBaseEjectionTime(),
        "maxEjectionTime", v -> new PassiveHealthOptions().setMaxEjectionTime(v).getMaxEjectionTime(),
        "queueTimeout", v -> new ReverseProxyOptions().setQueueTimeout(v).getQueueTimeout(),
        "clientTimeout", v -> new ReverseProxyOptions().setClientTimeout(v).getClientTimeout());
    Random random = new Random(11);
    List<Duration> values = new ArrayList<>(List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofNanos(999_999),
        Duration.ofMillis(-1), Duration.ofDays(-1), Duration.ofDays(365 * 1000), Duration.ofSeconds(Long.MAX_VALUE),
        Duration.ofSeconds(Long.MIN_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
    for (int i = 0; i < 2_000; i++) {
      values.add(random.nextBoolean() ? Duration.ofSeconds(random.nextLong(), random.nextInt(1_000_000_000))
          : Duration.ofMillis(random.nextInt(8 * 24 * 3600 * 1000) - 1000));
    }
    List<String> failures = new ArrayList<>();
    setters.forEach((name, setter) -> {
      for (Duration value : values) {
        check(name, value, setter, failures);
      }
    });
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
    List<String> failures = new ArrayList<>();
    for (double value : values) {
      check("jitter", value, v -> new HealthCheckOptions().setJitter(v).getJitter(), failures);
    }
    assertNone(failures);
  }

  /** Applies {@code setter} to {@code value}: it must read back unchanged or be refused naming {@code name}. */
  private static <T> void check(String name, T value, Function<T, Object> setter, List<String> failures) {
    try {
      Object read = setter.apply(value);
      if (!read.equals(value)) {
        failures.add(name + "(" + value + ") read back as " + read);
      }
    } catch (IllegalArgumentException e) {
      if (!isOneLineNaming(e.getMessage(), name)) {
        failures.add(name + "(" + value + ") -> message " + Junk.describe(e.getMessage()));
      }
    } catch (RuntimeException e) {
      failures.add(name + "(" + value + ") -> " + e);
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
