package dev.hprp.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The bytes waiting in the kernel's TCP queues, per established socket, from Linux's {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: what was written and not yet acknowledged by the peer (the send queue), and what arrived
 * and the owner has not read yet (the receive queue). Measured rather than bounded, so a test can tell the bytes the
 * kernel holds from those a process holds, whatever the socket buffers autotune to ({@code net.ipv4.tcp_wmem},
 * {@code tcp_rmem}).
 *
 * <p>The files list every socket of the network namespace, other processes' included: select by address. Thread-safe;
 * each call reads afresh. Linux only, as the rest of the suite.
 */
public final class TcpQueues {

  /** One established socket: its two ends and the bytes in its two queues. */
  public record Socket(InetSocketAddress local, InetSocketAddress remote, long sendQueue, long receiveQueue) {
  }

  private static final String ESTABLISHED = "01";

  private TcpQueues() {
  }

  /** Every established TCP socket, IPv4 and IPv6, from {@code /proc/net/tcp} and {@code /proc/net/tcp6}. */
  public static List<Socket> established() {
    List<Socket> sockets = new ArrayList<>();
    read(Path.of("/proc/net/tcp"), sockets);
    read(Path.of("/proc/net/tcp6"), sockets);
    return sockets;
  }

  /**
   * The established TCP sockets whose local or remote port is one of {@code ports}. Through {@code ss} (iproute2)
   * where it is installed: the kernel then filters the sockets itself, where {@code /proc/net/tcp6} formats every one
   * of them as text, which took 0.6-2.6 s here with 60,000 sockets in TIME_WAIT (left by the short-connection tests
   * of this and other builds) and the CPU shared; {@code ss} took 0.16 s. Else from {@code /proc}.
   */
  public static List<Socket> established(Set<Integer> ports) {
    if (!SS_AVAILABLE) {
      return established().stream()
          .filter(s -> ports.contains(s.local().getPort()) || ports.contains(s.remote().getPort()))
          .toList();
    }
    String filter = ports.stream().map(port -> "sport = :" + port + " or dport = :" + port)
        .collect(Collectors.joining(" or ", "( ", " )"));
    List<String> lines = run("ss", "-tnH", "state", "established", filter);
    List<Socket> sockets = new ArrayList<>(lines.size());
    for (String line : lines) {
      // "Recv-Q Send-Q Local-Address:Port Peer-Address:Port", IPv6 addresses in brackets.
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 4) {
        sockets.add(new Socket(literal(fields[2]), literal(fields[3]), Long.parseLong(fields[1]),
            Long.parseLong(fields[0])));
      }
    }
    return sockets;
  }

  private static final boolean SS_AVAILABLE = ssAvailable();

  private static boolean ssAvailable() {
    try {
      run("ss", "-V");
      return true;
    } catch (IllegalStateException | UncheckedIOException e) {
      return false;
    }
  }

  /** Runs {@code command} and returns its standard output's lines; throws when it fails or takes over 10 s. */
  private static List<String> run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      List<String> lines;
      try (BufferedReader out = process.inputReader(StandardCharsets.US_ASCII)) {
        lines = out.lines().toList();
      }
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " failed");
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(String.join(" ", command) + " interrupted", e);
    }
  }

  /** {@code 127.0.0.1:80}, {@code [::1]:80} or {@code [::ffff:127.0.0.1]:80} as an address (no name lookup). */
  private static InetSocketAddress literal(String text) {
    int colon = text.lastIndexOf(':');
    String host = text.substring(0, colon);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      // A literal is parsed, never looked up; an IPv4-mapped IPv6 one comes back as the IPv4 address.
      return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(text.substring(colon + 1)));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("not an address: " + text, e);
    }
  }

  /** Send-queue bytes summed over the sockets of {@code sockets} that {@code which} selects. */
  public static long sendQueued(List<Socket> sockets, Predicate<Socket> which) {
    return sockets.stream().filter(which).mapToLong(Socket::sendQueue).sum();
  }

  /** Receive-queue bytes summed over the sockets of {@code sockets} that {@code which} selects. */
  public static long receiveQueued(List<Socket> sockets, Predicate<Socket> which) {
    return sockets.stream().filter(which).mapToLong(Socket::receiveQueue).sum();
  }

  private static void read(Path file, List<Socket> sockets) {
    if (file.endsWith("tcp6") && !Files.exists(file)) {
      return; // a kernel without IPv6
    }
    // "sl: local_address rem_address st tx_queue:rx_queue ...", fixed-width after "sl: ": each address is
    // "HEXADDRESS:HEXPORT", the state two hex digits, the queues "%08X:%08X". Tens of thousands of lines in TIME_WAIT
    // are usual after a run of short connections, so a line is looked at only as far as its state.
    int addressLength = (file.endsWith("tcp6") ? 32 : 8) + 5;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      in.readLine(); // the header
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int local = line.indexOf(':') + 2;
        int remote = local + addressLength + 1;
        int state = remote + addressLength + 1;
        if (!line.startsWith(ESTABLISHED, state)) {
          continue;
        }
        int queues = state + 3;
        sockets.add(new Socket(address(line.substring(local, local + addressLength)),
            address(line.substring(remote, remote + addressLength)),
            Long.parseLong(line, queues, queues + 8, 16), Long.parseLong(line, queues + 9, queues + 17, 16)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The kernel prints the address as 32-bit words in host byte order, each in hex; the port in plain hex. */
  private static InetSocketAddress address(String text) {
    int colon = text.indexOf(':');
    byte[] bytes = HexFormat.of().parseHex(text, 0, colon);
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      for (int word = 0; word < bytes.length; word += 4) {
        for (int i = 0; i < 2; i++) {
          byte b = bytes[word + i];
          bytes[word + i] = bytes[word + 3 - i];
          bytes[word + 3 - i] = b;
        }
      }
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), Integer.parseInt(text.substring(colon + 1), 16));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("not an address: " + text, e);
    }
  }
}
