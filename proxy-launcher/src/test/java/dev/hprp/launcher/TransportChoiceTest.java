package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class TransportChoiceTest {

  private final TransportChoice.Converter converter = new TransportChoice.Converter();

  @Test
  void namesAreTheFlagsSpellingInAnyCase() {
    assertThat(converter.convert("io_uring")).isEqualTo(TransportChoice.IO_URING);
    assertThat(converter.convert(" EPOLL ")).isEqualTo(TransportChoice.EPOLL);
    assertThat(converter).containsExactly("auto", "io_uring", "epoll", "nio");
    assertThatThrownBy(() -> converter.convert("io-uring")).isInstanceOf(TypeConversionException.class)
        .hasMessage("'io-uring' (expected one of: auto, io_uring, epoll, nio)");
  }

  @Test
  void autoTakesIoUringWhenTheKernelAllowsItElseEpoll() {
    Transport chosen = TransportChoice.AUTO.resolve();
    assertThat(chosen.available()).isTrue();
    assertThat(chosen).isEqualTo(Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL);
    assertThat(TransportChoice.AUTO.fallbackReason(chosen))
        .isEqualTo(chosen == Transport.IO_URING ? "" : " (io_uring unavailable: "
            + Transport.IO_URING.unavailabilityCause().getMessage().lines().findFirst().orElseThrow().strip() + ")");
  }

  @Test
  void explicitChoicesAreTakenAsGivenOrRefusedWithTheReason() {
    assertThat(TransportChoice.NIO.resolve()).isEqualTo(Transport.NIO);
    assertThat(TransportChoice.EPOLL.resolve()).isEqualTo(Transport.EPOLL);
    assertThat(TransportChoice.EPOLL.fallbackReason(Transport.EPOLL)).isEmpty();
    if (Transport.IO_URING.available()) {
      assertThat(TransportChoice.IO_URING.resolve()).isEqualTo(Transport.IO_URING);
    } else {
      assertThatThrownBy(TransportChoice.IO_URING::resolve).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("--transport io_uring is unavailable here: ")
          .hasMessageEndingWith(" (try --transport auto)");
    }
  }
}
