/**
 * The {@code hprp} command line: {@link dev.hprp.launcher.Main} parses the flags with picocli (one mixin per concern
 * collects them, {@code HprpCommand.settings()} applies them to the core's options in one place), starts a
 * {@link dev.hprp.proxy.ReverseProxy} on its own {@code Vertx} (native transport preferred), and closes both on SIGTERM
 * or Ctrl-C. The only package with an SLF4J binding (slf4j-simple, configured by {@code simplelogger.properties}).
 */
package dev.hprp.launcher;
