package dev.hprp.launcher;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Entry point of the {@code hprp} command: parses the flags, starts the proxy and serves until SIGTERM or Ctrl-C,
 * when a shutdown hook closes the proxy and then Vert.x, each within a bounded time.
 *
 * <pre>{@code
 * java -jar hprp.jar --port 8080 --backends "localhost:3001,localhost:3002,localhost:3003"
 * }</pre>
 *
 * <p>Exit codes: 0 after {@code --help} or {@code --version}; 1 when the proxy cannot start (port in use); 2 for a
 * bad flag, with one line on stderr naming it; after a signal, the JVM's 128 + signal (143 for SIGTERM, 130 for
 * Ctrl-C). The start-up line and the shutdown line go to stdout, logs to stderr.
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
   * Registers the shutdown hook and waits for it. The JVM halts when the hook ends (exit code 128 + signal), so
   * this thread only has to stay alive until then.
   */
  private static int serveUntilSignalled(RunningProxy running, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    try {
      // SIGHUP reloads the config file, as for HAProxy and nginx (the JVM would otherwise exit on it).
      Signal.handle(new Signal("HUP"), signal -> running.reload());
    } catch (IllegalArgumentException e) {
      err.println("hprp: no SIGHUP here (" + e.getMessage() + "): the config file is read at start only");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long start = System.nanoTime();
      boolean clean = running.close();
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (clean) {
        out.println("hprp stopped: proxy and Vert.x closed in " + millis + " ms");
      } else {
        err.println("hprp: stopped after " + millis + " ms without a clean close (see the log above)");
      }
      stopped.countDown();
    }, "hprp-shutdown"));
    stopped.await();
    return 0;
  }
}
