package dev.hprp.proxy.testing;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Readings of a process's resources for leak checks: open file descriptors and resident memory from Linux's
 * {@code /proc}, and this JVM's heap and Netty direct memory.
 *
 * <p>Thread-safe; every method reads afresh. Linux only: the suite runs on Linux (see the README).
 */
public final class Resources {

  private Resources() {
  }

  /** Open file descriptors of this JVM: sockets, epoll and event fds, jars. */
  public static int openFiles() {
    return openFiles(ProcessHandle.current().pid());
  }

  /** Open file descriptors of process {@code pid}. */
  public static int openFiles(long pid) {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      // The listing holds one descriptor of its own while it runs; it is not the process's.
      long count = fds.count();
      return (int) (pid == ProcessHandle.current().pid() ? count - 1 : count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Resident set size of process {@code pid} in bytes ({@code VmRSS}). */
  public static long residentBytes(long pid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
      for (String line : lines) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Heap in use after a full collection: what the live objects take. Asks for a collection a few times, because one
   * {@code System.gc()} may leave objects that became unreachable during it.
   */
  public static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Heap in use now, garbage included; cheap, for sampling under load. */
  public static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Direct memory Netty has reserved (its pooled chunks and unpooled direct buffers), or -1 when Netty does not count
   * it (direct buffers with cleaners).
   */
  public static long usedDirectMemory() {
    return PlatformDependent.usedDirectMemory();
  }
}
