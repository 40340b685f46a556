package dev.hprp.launcher.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launcher jar ({@code target/hprp.jar}) running as its own process, as users run it: started with flags, its
 * port read from the start-up line, stopped with SIGTERM or another signal. Its output is collected; stdout and stderr
 * are read on their own threads so a chatty process never blocks. Not thread-safe.
 */
final class LauncherProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "hprp.jar");
  /** The signal number of SIGINT (Ctrl-C) on Linux. */
  static final int SIGINT = 2;
  /** The signal number of SIGHUP on Linux. */
  static final int SIGHUP = 1;
  private static final Pattern LISTENING = Pattern.compile("listening on [^ ]*:(\\d+),");
  private static final Pattern ADMIN = Pattern.compile("admin on http://[^ ]*:(\\d+)");

  private final Process process;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final List<Thread> readers = new ArrayList<>();

  private LauncherProcess(Process process) {
    this.process = process;
    read(process.getInputStream(), out, true);
    read(process.getErrorStream(), err, false);
  }

  /**
   * Starts {@code java -jar target/hprp.jar args} with the java that runs this test. A process started in the
   * background by a shell without job control ignores SIGINT, one started with {@code nohup} SIGHUP, and their
   * children inherit that, the JVM included (it leaves an ignored SIGINT or SIGHUP alone); such a JVM running this
   * starts the launcher through {@code env --default-signal=INT,HUP} (GNU coreutils 8.31 and later), so that the
   * signals reach it as they would from a terminal.
   */
  static LauncherProcess start(String... args) throws IOException {
    return start(List.of(), true, args);
  }

  /** Starts it as a user's {@code nohup hprp ...} would: with SIGHUP ignored, through {@code sh}'s {@code trap}. */
  static LauncherProcess startIgnoringHangUp(String... args) throws IOException {
    return start(List.of("sh", "-c", "trap '' HUP && exec \"$@\"", "sh"), false, args);
  }

  /**
   * Starts it as {@link #start} does, under an open-file limit of {@code openFiles} ({@code ulimit -n}, through
   * {@code sh}; lowering the limit needs no privilege).
   */
  static LauncherProcess startWithOpenFileLimit(int openFiles, String... args) throws IOException {
    return start(List.of("sh", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "sh"), true, args);
  }

  private static LauncherProcess start(List<String> prefix, boolean hangUpAsFromATerminal, String... args)
      throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " missing: run through mvn verify (package first)");
    }
    List<String> command = new ArrayList<>(prefix);
    long self = ProcessHandle.current().pid();
    List<String> reset = new ArrayList<>();
    if (ignoresSignal(self, SIGINT)) {
      reset.add("INT");
    }
    if (hangUpAsFromATerminal && ignoresSignal(self, SIGHUP)) {
      reset.add("HUP");
    }
    if (!reset.isEmpty()) {
      command.addAll(List.of("env", "--default-signal=" + String.join(",", reset)));
    }
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    return new LauncherProcess(new ProcessBuilder(command).start());
  }

  private void read(InputStream stream, List<String> lines, boolean lookForPort) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (lines) {
            lines.add(line);
          }
          Matcher m = LISTENING.matcher(line);
          if (lookForPort && m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("hprp exited before listening: " + output()));
    }, "hprp-output");
    reader.setDaemon(true);
    reader.start();
    readers.add(reader);
  }

  /** Waits for the start-up line and returns the port it names. */
  int awaitPort(long timeout, TimeUnit unit) throws Exception {
    return port.get(timeout, unit);
  }

  long pid() {
    return process.pid();
  }

  /** Sends SIGTERM, without waiting. */
  void signal() {
    process.toHandle().destroy();
  }

  /** Waits at most {@code timeout} for the exit and its last output; returns the exit code. */
  int awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      process.destroyForcibly();
      throw new IllegalStateException("hprp did not exit within " + timeout + " " + unit + ": " + output());
    }
    for (Thread reader : readers) {
      reader.join(unit.toMillis(timeout));
    }
    return process.exitValue();
  }

  /** The admin endpoint's port, from the start-up line (call after {@link #awaitPort}). */
  int adminPort() {
    Matcher m = ADMIN.matcher(output());
    if (!m.find()) {
      throw new IllegalStateException("no admin endpoint on the start-up line: " + output());
    }
    return Integer.parseInt(m.group(1));
  }

  /** Sends SIGTERM and waits for the exit and its last output; returns the exit code. */
  int stop(long timeout, TimeUnit unit) throws InterruptedException {
    // Through the handle: Process.destroy() also closes our ends of its pipes, and its last lines would be lost.
    process.toHandle().destroy();
    return awaitExit(timeout, unit);
  }

  /** Sends signal {@code name} ({@code TERM}, {@code INT}, ...) with {@code kill}, without waiting for the exit. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).redirectErrorStream(true)
        .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      kill.destroyForcibly();
      throw new IllegalStateException("kill -s " + name + " " + process.pid() + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Whether process {@code pid} ignores signal number {@code signal} ({@code SigIgn} in its status). */
  static boolean ignoresSignal(long pid, int signal) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("SigIgn:")) {
          return new BigInteger(line.substring("SigIgn:".length()).strip(), 16).testBit(signal - 1);
        }
      }
      throw new IllegalStateException("no SigIgn in /proc/" + pid + "/status");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything it printed so far: stdout lines, then stderr lines. */
  String output() {
    List<String> all = new ArrayList<>();
    synchronized (out) {
      all.addAll(out);
    }
    synchronized (err) {
      all.addAll(err);
    }
    return String.join("\n", all);
  }

  /** Kills it if still running. */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
