package dev.hprp.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What is written to {@code System.err} while a piece of a test runs: the test logger (slf4j-simple) writes there,
 * to whatever stream it is when it logs, so a test can see that something was not logged. Tests run one at a time in
 * this build; another test's output in the same span would be captured too.
 */
public final class StandardError {

  /** A piece of a test that may throw. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  private StandardError() {
  }

  /** Runs {@code body} with {@code System.err} captured, and restores it; returns what was written. */
  public static String capturedWhile(Body body) throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(stderr);
    }
    return written.toString(StandardCharsets.UTF_8);
  }
}
