package dev.hprp.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The kernel's accept queue of a listening socket, read from {@code /proc/net/tcp}: for a socket in state LISTEN its
 * {@code rx_queue} column is the number of connections established and not yet accepted. Linux only; IPv4 and
 * IPv6 ({@code /proc/net/tcp6}) sockets alike.
 */
public final class ListenBacklog {

  private static final Path PROC = Path.of("/proc/net/tcp");
  /** Java and Netty's native transports open IPv6 sockets where they can, even to listen on an IPv4 address. */
  private static final Path PROC6 = Path.of("/proc/net/tcp6");
  private static final String LISTEN = "0A";

  private ListenBacklog() {
  }

  /** Whether it can be read here. */
  public static boolean available() {
    return Files.isReadable(PROC);
  }

  /** Connections waiting to be accepted on the IPv4 listening socket of {@code port}; -1 when there is none. */
  public static int waiting(int port) {
    String portHex = String.format(Locale.ROOT, ":%04X", port);
    List<String> lines = new java.util.ArrayList<>();
    try {
      lines.addAll(Files.readAllLines(PROC));
      if (Files.isReadable(PROC6)) {
        lines.addAll(Files.readAllLines(PROC6));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String line : lines) {
      String[] fields = line.trim().split("\\s+");
      if (fields[0].equals("sl")) {
        continue; // a header
      }
      // sl local_address rem_address st tx_queue:rx_queue ...
      if (fields[1].endsWith(portHex) && fields[3].equals(LISTEN)) {
        return Integer.parseInt(fields[4].substring(fields[4].indexOf(':') + 1), 16);
      }
    }
    return -1;
  }
}
