package dev.hprp.launcher;

import io.vertx.core.transport.Transport;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of {@code --transport}: which I/O transport Vert.x runs on. {@code auto} takes the fastest one the
 * machine allows: io_uring (measured here at about 20 % less CPU per request than epoll), then epoll, then NIO.
 * io_uring is often unavailable: kernels before 5.14, containers whose seccomp profile blocks it (Docker's default
 * since 25.0), {@code kernel.io_uring_disabled=2}.
 */
enum TransportChoice {
  AUTO, IO_URING, EPOLL, NIO;

  /** The flag's spelling of this choice. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The transport to run on.
   *
   * @throws IllegalStateException naming the transport and why, when an explicitly chosen one is unavailable here
   */
  Transport resolve() {
    return switch (this) {
      case AUTO -> firstAvailable(Transport.IO_URING, Transport.EPOLL);
      case IO_URING -> required(Transport.IO_URING);
      case EPOLL -> required(Transport.EPOLL);
      case NIO -> Transport.NIO;
    };
  }

  /**
   * Why {@code auto} did not pick io_uring, for the start-up line; empty when it did, or the choice was explicit.
   */
  String fallbackReason(Transport chosen) {
    if (this != AUTO || chosen == Transport.IO_URING) {
      return "";
    }
    return " (io_uring unavailable: " + cause(Transport.IO_URING) + ")";
  }

  private Transport required(Transport transport) {
    if (transport == null || !transport.available()) {
      throw new IllegalStateException("--transport " + this + " is unavailable here: " + cause(transport)
          + " (try --transport auto)");
    }
    return transport;
  }

  private static Transport firstAvailable(Transport... candidates) {
    return Arrays.stream(candidates)
        .filter(t -> t != null && t.available())
        .findFirst()
        .orElse(Transport.NIO);
  }

  private static String cause(Transport transport) {
    if (transport == null) {
      return "its Netty native library is not on the class path";
    }
    Throwable cause = transport.unavailabilityCause();
    String message = cause == null ? null : cause.getMessage();
    return message == null ? String.valueOf(cause) : message.lines().findFirst().orElse("").strip();
  }

  /** Converts the flag's value, and lists the names for {@code --help}. */
  static final class Converter implements ITypeConverter<TransportChoice>, Iterable<String> {

    @Override
    public TransportChoice convert(String text) {
      return Arrays.stream(values())
          .filter(choice -> choice.toString().equals(text.strip().toLowerCase(Locale.ROOT)))
          .findFirst()
          .orElseThrow(() -> new TypeConversionException("'" + text + "' (expected one of: " + names() + ")"));
    }

    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(values()).map(TransportChoice::toString).iterator();
    }

    static String names() {
      return Arrays.stream(values()).map(TransportChoice::toString).collect(Collectors.joining(", "));
    }
  }
}
