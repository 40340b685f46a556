package dev.hprp.launcher;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.Durations;
import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point of the {@code hprp} command: parses the flags, starts the proxy and serves until SIGTERM or Ctrl-C,
 * then drains it for at most {@code --drain-timeout} and closes it and Vert.x; a second signal exits at once. SIGHUP
 * reloads the {@code --config} file.
 *
 * <pre>{@code
 * java -jar hprp.jar --port 8080 --backends "localhost:3001,localhost:3002,localhost:3003"
 * }</pre>
 *
 * <p>Exit codes: 0 after {@code --help} or {@code --version}, or after a signal once every connection finished
 * within the drain timeout; 1 when the proxy cannot start (port in use); 2 for a bad flag, with one line on stderr
 * naming it; 128 + the signal (143 for SIGTERM, 130 for Ctrl-C) when the drain timeout cut connections, or at once on
 * a second signal. The start-up, draining and stopped lines go to stdout, logs to stderr.
 */
public final class Main {

  /** What the command does once the proxy listens: waits for a signal in production, exercises it in tests. */
  @FunctionalInterface
  interface Serving {

    /**
     * Serves through {@code running}, on the thread that ran the command.
     *
     * @return the exit code; the command closes {@code running} after this returns
     */
    int serve(RunningProxy running) throws Exception;
  }

  private Main() {
  }

  /** Runs the command and exits with its code; returns only through {@link System#exit}. */
  public static void main(String... args) {
    System.exit(run(args));
  }

  /** Runs the command on stdout and stderr; returns when the flags are bad, start fails or help was printed. */
  static int run(String... args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    return run(out, err, running -> serveUntilSignalled(running, out, err), args);
  }

  /** Runs the command, printing to {@code out} and {@code err} and handing the started proxy to {@code serving}. */
  static int run(PrintWriter out, PrintWriter err, Serving serving, String... args) {
    return HprpCommand.commandLine(out, err, serving).execute(args);
  }

  /**
   * Serves until SIGTERM or SIGINT, then drains: the proxy stops accepting at once, open connections go on for at
   * most {@code --drain-timeout} while the admin endpoint answers ({@code /readyz} with 503), then everything closes.
   * A second signal during the drain exits at once. The signals are taken over from the JVM (which would otherwise
   * start its shutdown at the first), through {@code sun.misc.Signal}, the JDK's supported way to handle them
   * (module jdk.unsupported).
   *
   * @return 0 when every connection finished within the drain timeout; 128 + the signal's number when some were cut
   */
  @SuppressWarnings("restriction")
  private static int serveUntilSignalled(RunningProxy running, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    // SIGHUP reloads the config file, as for HAProxy and nginx (the JVM would otherwise exit on it); on its own
    // thread, so that a reload never holds up the drain.
    SignalHandler before = Signal.handle(new Signal("HUP"), hangUp -> running.reload());
    if (before == SignalHandler.SIG_IGN && running.reloadable()) {
      // Ignored since before the JVM started (nohup, or a parent ignoring it): the JVM then leaves it ignored, and
      // kill -HUP would do nothing without a word.
      err.println("hprp: SIGHUP is ignored in this process (started with nohup?), so kill -HUP will not reload the "
          + "config file: use POST /reload on the admin endpoint, or start hprp without nohup");
    }
    BlockingQueue<Signal> received = new LinkedBlockingQueue<>();
    AtomicBoolean signalled = new AtomicBoolean();
    SignalHandler handler = signal -> {
      if (signalled.getAndSet(true)) {
        err.println("hprp: second SIG" + signal.getName() + " during the drain: exiting at once");
        Runtime.getRuntime().halt(128 + signal.getNumber());
      }
      received.add(signal);
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
    Signal signal = received.take();
    int open = running.proxy().backends().stream().mapToInt(BackendStatus::activeConnections).sum();
    out.println("hprp draining: SIG" + signal.getName() + " received, stopped accepting; " + open
        + " connection(s) open, drain timeout " + Durations.format(running.drainTimeout()));
    long start = System.nanoTime();
    RunningProxy.Drained drained = running.drain();
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (drained.cut() == 0) {
      out.println("hprp stopped: drained in " + millis + " ms, every connection finished; proxy and Vert.x closed");
    } else {
      out.println("hprp stopped: drain timeout " + Durations.format(running.drainTimeout()) + " over, "
          + drained.cut() + " connection(s) cut; proxy and Vert.x closed after " + millis + " ms");
    }
    if (!drained.clean()) {
      err.println("hprp: stopped after " + millis + " ms without a clean close (see the log above)");
    }
    return drained.cut() == 0 ? 0 : 128 + signal.getNumber();
  }
}
