package dev.hprp.proxy.impl.tcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How many bytes the kernel still holds for a TCP connection's peer (not yet sent, or sent and not acknowledged),
 * from Linux's {@code /proc/net/tcp} and {@code /proc/net/tcp6} ({@code tx_queue}). A reset throws those bytes away,
 * so {@link dev.hprp.proxy.fault.Fault#resetAfter} waits for this to reach 0 before it resets; neither Java nor
 * Netty's transports tell it otherwise (Netty's {@code TCP_INFO} has no count of unsent bytes).
 *
 * <p>Blocking (it reads a file that lists every TCP socket of the network namespace): call it off the event loop.
 * Stateless and thread-safe.
 */
final class KernelSendQueue {

  private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

  private KernelSendQueue() {
  }

  /**
   * The bytes queued in the kernel for the peer of the connection from {@code local} to {@code remote}.
   *
   * @return 0 or more; -1 when unknown: not Linux, or no such connection (closed meanwhile)
   */
  static long pending(InetSocketAddress local, InetSocketAddress remote) {
    String[] localKeys = keys(local);
    String[] remoteKeys = keys(remote);
    for (Path table : TABLES) {
      try (BufferedReader lines = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
        lines.readLine(); // the header
        String line;
        while ((line = lines.readLine()) != null) {
          // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
          String[] fields = line.trim().split("\\s+", 6);
          if (fields.length >= 5 && matches(fields[1], localKeys) && matches(fields[2], remoteKeys)) {
            String queues = fields[4];
            return Long.parseLong(queues, 0, queues.indexOf(':'), 16);
          }
        }
      } catch (NoSuchFileException e) {
        // not Linux, or no IPv6: the other table may still have it
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return -1;
  }

  private static boolean matches(String field, String[] keys) {
    for (String key : keys) {
      if (field.equalsIgnoreCase(key)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ways the kernel may write {@code address} in those tables: {@code ADDR:PORT} in hex, the address as the
   * 32-bit words of its bytes in the machine's byte order; an IPv4 address also as the IPv4-mapped IPv6 address, as
   * a dual-stack socket shows it in {@code tcp6}.
   */
  private static String[] keys(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String port = String.format(Locale.ROOT, ":%04X", address.getPort());
    if (ip instanceof Inet4Address) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(ip.getAddress(), 0, mapped, 12, 4);
      return new String[] {words(ip.getAddress()) + port, words(mapped) + port};
    }
    return new String[] {words(ip.getAddress()) + port};
  }

  private static String words(byte[] bytes) {
    boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    StringBuilder hex = new StringBuilder(bytes.length * 2);
    for (int word = 0; word < bytes.length; word += 4) {
      for (int i = 0; i < 4; i++) {
        hex.append(String.format(Locale.ROOT, "%02X", bytes[word + (little ? 3 - i : i)] & 0xff));
      }
    }
    return hex.toString();
  }
}
