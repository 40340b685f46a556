package dev.hprp.launcher.reliability;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Runs the {@code hprp} command in this JVM, as {@code Main.run(out, err, serving, args)} does, capturing what it
 * prints; when the flags are good and the proxy starts, it is closed again at once instead of serving.
 *
 * <p>That entry point is package-private to {@code dev.hprp.launcher}; this package reaches it by reflection (tests
 * run on the class path, so nothing is sealed). If its shape changes, the tests using this fail, naming the method.
 */
final class InProcessLauncher {

  /** What one run returned and printed. */
  record Result(int exitCode, String out, String err) {
  }

  private static final String MAIN = "dev.hprp.launcher.Main";

  private InProcessLauncher() {
  }

  /** Runs the command with {@code args}. */
  static Result run(String... args) throws ReflectiveOperationException {
    Class<?> main = Class.forName(MAIN);
    Class<?> servingType = Class.forName(MAIN + "$Serving");
    Method run = main.getDeclaredMethod("run", PrintWriter.class, PrintWriter.class, servingType, String[].class);
    run.setAccessible(true);
    Object closeAtOnce = Proxy.newProxyInstance(servingType.getClassLoader(), new Class<?>[] {servingType},
        (proxy, method, methodArgs) -> switch (method.getName()) {
          case "serve" -> 0;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == methodArgs[0];
          case "toString" -> "close at once";
          default -> throw new UnsupportedOperationException(method.getName());
        });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try {
      int code = (int) run.invoke(null, new PrintWriter(out, true), new PrintWriter(err, true), closeAtOnce, args);
      return new Result(code, out.toString(), err.toString());
    } catch (InvocationTargetException e) {
      throw new AssertionError("hprp " + String.join(" ", args) + " threw instead of exiting", e.getCause());
    }
  }
}
