package dev.hprp.proxy.impl;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Tells a failure of the proxy's own machine from a backend's: out of file descriptors ({@code EMFILE},
 * {@code ENFILE}), of kernel memory ({@code ENOBUFS}, {@code ENOMEM}), of local ports ({@code EADDRNOTAVAIL}). Such a
 * failure says nothing about the backend, so it never counts against a backend's health (passive or active), and a
 * connect that failed so is not retried on another backend, which would fail the same way.
 *
 * <p>The one place that classifies: {@link Upstream} and {@link HealthMonitor} both ask here. Stateless apart from the
 * log throttle; thread-safe.
 */
final class LocalFailures {

  /**
   * What the JDK and Netty's native transports say for the local errors: both carry the kernel's {@code strerror}
   * text (Netty's {@code NativeIoException} has no errno constant for these), so the text is the one common key.
   */
  private static final String[] MESSAGES = {
      "too many open files",            // EMFILE, ENFILE ("Too many open files in system")
      "no buffer space available",      // ENOBUFS
      "cannot allocate memory",         // ENOMEM
      "cannot assign requested address" // EADDRNOTAVAIL: no local port left
  };

  /** At most one warning per this many nanoseconds: under descriptor exhaustion every connect fails. */
  private static final long WARN_EVERY_NANOS = 10_000_000_000L;
  private static final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

  private LocalFailures() {
  }

  /** Whether {@code failure}, or any of its causes, is a shortage of the proxy's own machine. */
  static boolean isLocal(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null) {
        String lower = message.toLowerCase(Locale.ROOT);
        for (String local : MESSAGES) {
          if (lower.contains(local)) {
            return true;
          }
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Logs a local failure as a warning, at most once every 10 s (the rest at debug). */
  static void warn(Logger log, String what, Throwable failure) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
      log.warn("{} failed for a local reason, not counted against the backend: {} (is the open-file "
          + "limit, ulimit -n, too low for the connection limit?)", what, failure.toString());
    } else if (log.isDebugEnabled()) {
      log.debug("{} failed for a local reason: {}", what, failure.toString());
    }
  }
}
