package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BackendTest {

  @Test
  void parsesHostAndPortWithDefaultWeight() {
    assertThat(Backend.parse("localhost:3001")).isEqualTo(new Backend("localhost", 3001, 1));
  }

  @Test
  void parsesWeight() {
    assertThat(Backend.parse("10.0.0.1:3001:3")).isEqualTo(new Backend("10.0.0.1", 3001, 3));
  }

  @Test
  void parsesBracketedIpv6WithAndWithoutWeight() {
    assertThat(Backend.parse("[::1]:3001")).isEqualTo(new Backend("::1", 3001));
    assertThat(Backend.parse("[fe80::1%eth0]:3001:2")).isEqualTo(new Backend("fe80::1%eth0", 3001, 2));
  }

  @Test
  void idPutsIpv6InBracketsAndLeavesWeightOut() {
    Backend backend = new Backend("::1", 3001, 5);
    assertThat(backend.id()).isEqualTo("[::1]:3001");
    assertThat(backend).hasToString("[::1]:3001:5");
  }

  @Test
  void priorityIsZeroUnlessGivenAndShownWhenItIsNot() {
    assertThat(new Backend("10.0.0.1", 3001, 2).priority()).isEqualTo(Backend.DEFAULT_PRIORITY).isZero();
    assertThat(new Backend("10.0.0.1", 3001, 2, 10)).hasToString("10.0.0.1:3001:2 priority 10")
        .isNotEqualTo(new Backend("10.0.0.1", 3001, 2));
    assertThatThrownBy(() -> new Backend("a", 1, 1, 65536)).hasMessage(
        "backend priority: 65536 (expected: 0-65535)");
  }

  @Test
  void parsesListInOrderIgnoringSpaces() {
    assertThat(Backend.parseList(" localhost:3001, localhost:3002 ,[::1]:3003:2"))
        .containsExactly(new Backend("localhost", 3001), new Backend("localhost", 3002), new Backend("::1", 3003, 2));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "localhost        | backend 'localhost': missing ':port'",
      ":3001            | backend ':3001': missing host",
      "localhost:       | backend 'localhost:': port '' is not a number (expected: 1-65535)",
      "localhost:abc    | backend 'localhost:abc': port 'abc' is not a number (expected: 1-65535)",
      "localhost:0      | backend 'localhost:0': port 0 out of range (expected: 1-65535)",
      "localhost:65536  | backend 'localhost:65536': port 65536 out of range (expected: 1-65535)",
      "localhost:1:0    | backend 'localhost:1:0': weight 0 out of range (expected: 1-256)",
      "localhost:1:257  | backend 'localhost:1:257': weight 257 out of range (expected: 1-256)",
      "localhost:1:2:3  | backend 'localhost:1:2:3': too many ':' (IPv6 addresses go in brackets: [::1]:3001)",
      "::1:3001         | backend '::1:3001': missing host",
      "[::1:3001        | backend '[::1:3001': missing ']' after IPv6 address",
      "[::1]3001        | backend '[::1]3001': missing ':port' after ']'",
      "[host]:3001      | backend '[host]:3001': brackets must hold an IPv6 address",
      "bad host:3001    | backend 'bad host:3001': host 'bad host' is not a host name or IP address (expected: a name such as backend-1.example.com, 10.0.0.1, or [::1])",
  })
  void rejectsMalformedSpecsNamingTheFault(String spec, String message) {
    assertThatThrownBy(() -> Backend.parse(spec)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void rejectsEmptyList() {
    assertThatThrownBy(() -> Backend.parseList(" ")).hasMessage(
        "backends: empty (expected: host:port[:weight],host:port[:weight],...)");
  }

  @Test
  void rejectsEmptyItem() {
    assertThatThrownBy(() -> Backend.parseList("a:1,,b:2")).hasMessage(
        "backends: 'a:1,,b:2' has an empty item (expected: host:port[:weight],host:port[:weight],...)");
  }

  @Test
  void rejectsRepeatedAddressEvenWithAnotherWeight() {
    assertThatThrownBy(() -> Backend.parseList("a:1,a:1:2")).hasMessage("backends: a:1 is listed twice");
  }

  @Test
  void parsedListIsImmutable() {
    List<Backend> backends = Backend.parseList("a:1");
    assertThatThrownBy(() -> backends.add(new Backend("b", 2))).isInstanceOf(UnsupportedOperationException.class);
  }
}
