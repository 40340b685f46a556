package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyBuilder;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.Durations;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.io.PrintWriter;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code hprp} command: flags in, a running proxy out. Each flag writes straight into the core's option objects,
 * whose setters validate it; their defaults are shown in {@code --help} from the core's {@code DEFAULT_*} constants.
 */
@Command(
    name = "hprp",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "A TCP reverse proxy: spreads client connections over backends, with health checks.%n",
    footer = {
        "%nDurations are a whole number and a unit: 200ms, 2s, 1m, 1h, 7d.",
        "Exit codes: 0 after --help or --version; 1 when the proxy cannot start (port in use); 2 for a bad flag; "
            + "143 (SIGTERM) or 130 (Ctrl-C) after a clean shutdown."})
final class HprpCommand implements Callable<Integer> {

  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  /** What each flag is when not given; the core's own defaults wherever the core has one. */
  private static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry("--host", ReverseProxyOptions.DEFAULT_HOST),
      Map.entry("--port", String.valueOf(ReverseProxyOptions.DEFAULT_PORT)),
      Map.entry("--balancer", Balancer.roundRobin().toString()),
      Map.entry("--health-check", "tcp"),
      Map.entry("--health-interval", Durations.format(HealthCheckOptions.DEFAULT_INTERVAL)),
      Map.entry("--health-timeout", Durations.format(HealthCheckOptions.DEFAULT_TIMEOUT)),
      Map.entry("--rise", String.valueOf(HealthCheckOptions.DEFAULT_RISE)),
      Map.entry("--fall", String.valueOf(HealthCheckOptions.DEFAULT_FALL)),
      Map.entry("--connect-timeout", Durations.format(ReverseProxyOptions.DEFAULT_CONNECT_TIMEOUT)),
      Map.entry("--idle-timeout", Durations.format(ReverseProxyOptions.DEFAULT_IDLE_TIMEOUT)),
      Map.entry("--max-connect-attempts", String.valueOf(ReverseProxyOptions.DEFAULT_MAX_CONNECT_ATTEMPTS)),
      Map.entry("--event-loops", String.valueOf(ReverseProxyOptions.DEFAULT_EVENT_LOOPS)),
      Map.entry("--transport", TransportChoice.AUTO.toString()));

  private static final HealthCheckChoice DEMO_HEALTH_CHECK = HealthCheckChoice.parse("http:/health");

  @Spec
  private CommandSpec spec;

  private final PrintWriter out;
  private final PrintWriter err;
  private final Main.Serving serving;
  private final ReverseProxyOptions options = new ReverseProxyOptions();
  private final HealthCheckOptions healthOptions = new HealthCheckOptions();
  private List<Backend> backends = List.of();
  private Balancer balancer;
  private HealthCheckChoice healthCheck;
  private TransportChoice transport;

  @Option(names = "--demo", order = 4,
      description = "Start three demo HTTP backends on 127.0.0.1 and proxy to them (health check http:/health).")
  private boolean demo;

  @Option(names = "--verbose", order = 16, description = "Log HPRP at debug level (connections, health probes).")
  private boolean verbose;

  HprpCommand(PrintWriter out, PrintWriter err, Main.Serving serving) {
    this.out = out;
    this.err = err;
    this.serving = serving;
  }

  /** A command line for this command, printing to {@code out} and {@code err}, with the launcher's error policy. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err, Main.Serving serving) {
    CommandLine commandLine = new CommandLine(new HprpCommand(out, err, serving));
    commandLine.registerConverter(Duration.class, new DurationConverter());
    commandLine.registerConverter(HealthCheckChoice.class, HealthCheckChoice::parse);
    commandLine.setDefaultValueProvider(arg -> arg instanceof OptionSpec option
        ? DEFAULTS.get(option.longestName()) : null);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler((e, args) -> {
      err.println("hprp: " + usageError(e));
      return EXIT_USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
      err.println("hprp: " + oneLine(String.valueOf(e)));
      return EXIT_FAILURE;
    });
    return commandLine;
  }

  @Option(names = "--backends", order = 3, paramLabel = "HOST:PORT[:WEIGHT],...",
      description = "Backends to balance over, comma-separated; IPv6 in brackets ([::1]:3001). Required unless --demo.")
  void setBackends(String list) {
    apply("--backends", () -> backends = Backend.parseList(list));
  }

  @Option(names = "--port", order = 1, paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one, shown at start-up. Default: ${DEFAULT-VALUE}.")
  void setPort(int port) {
    apply("--port", () -> options.setPort(port));
  }

  @Option(names = "--host", order = 2, paramLabel = "ADDRESS",
      description = "Address to listen on. Default: ${DEFAULT-VALUE} (every interface).")
  void setHost(String host) {
    apply("--host", () -> options.setHost(host));
  }

  @Option(names = "--balancer", order = 5, paramLabel = "NAME", converter = BalancerConverter.class,
      completionCandidates = BalancerConverter.class,
      description = "How to pick a backend per connection: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  void setBalancer(Balancer balancer) {
    this.balancer = balancer;
  }

  @Option(names = "--health-check", order = 6, paramLabel = "none|tcp|http[:/PATH]",
      description = "Active health check: none, a TCP connect, or an HTTP GET (2xx/3xx is healthy; path default /). "
          + "Default: ${DEFAULT-VALUE}.")
  void setHealthCheck(HealthCheckChoice healthCheck) {
    this.healthCheck = healthCheck;
  }

  @Option(names = "--health-interval", order = 7, paramLabel = "DURATION",
      description = "Time between probes of a backend, 10ms-1h. Default: ${DEFAULT-VALUE}.")
  void setHealthInterval(Duration interval) {
    apply("--health-interval", () -> healthOptions.setInterval(interval));
  }

  @Option(names = "--health-timeout", order = 8, paramLabel = "DURATION",
      description = "Time a probe may take, 10ms-1h. Default: ${DEFAULT-VALUE}.")
  void setHealthTimeout(Duration timeout) {
    apply("--health-timeout", () -> healthOptions.setTimeout(timeout));
  }

  @Option(names = "--rise", order = 9, paramLabel = "N",
      description = "Consecutive successful probes that bring a backend back up, 1-100. Default: ${DEFAULT-VALUE}.")
  void setRise(int rise) {
    apply("--rise", () -> healthOptions.setRise(rise));
  }

  @Option(names = "--fall", order = 10, paramLabel = "N",
      description = "Consecutive failed probes that take a backend down, 1-100. Default: ${DEFAULT-VALUE}.")
  void setFall(int fall) {
    apply("--fall", () -> healthOptions.setFall(fall));
  }

  @Option(names = "--connect-timeout", order = 11, paramLabel = "DURATION",
      description = "Time a connect to a backend may take before the next is tried, 1ms-1h. Default: ${DEFAULT-VALUE}.")
  void setConnectTimeout(Duration timeout) {
    apply("--connect-timeout", () -> options.setConnectTimeout(timeout));
  }

  @Option(names = "--idle-timeout", order = 12, paramLabel = "DURATION",
      description = "Time without traffic either way before a connection is closed, 1ms-7d. Default: ${DEFAULT-VALUE}.")
  void setIdleTimeout(Duration timeout) {
    apply("--idle-timeout", () -> options.setIdleTimeout(timeout));
  }

  @Option(names = "--max-connect-attempts", order = 13, paramLabel = "N",
      description = "Distinct backends tried per client connection, 1-100. Default: ${DEFAULT-VALUE}.")
  void setMaxConnectAttempts(int attempts) {
    apply("--max-connect-attempts", () -> options.setMaxConnectAttempts(attempts));
  }

  @Option(names = "--event-loops", order = 14, paramLabel = "N",
      description = "Event loops (threads) accepting and relaying, 1-1024. Default: ${DEFAULT-VALUE} (the CPU count).")
  void setEventLoops(int eventLoops) {
    apply("--event-loops", () -> options.setEventLoops(eventLoops));
  }

  @Option(names = "--transport", order = 15, paramLabel = "NAME", converter = TransportChoice.Converter.class,
      completionCandidates = TransportChoice.Converter.class,
      description = "I/O transport: ${COMPLETION-CANDIDATES}; auto takes io_uring where the kernel allows it, "
          + "else epoll, else nio. Default: ${DEFAULT-VALUE}.")
  void setTransport(TransportChoice transport) {
    this.transport = transport;
  }

  @Override
  public Integer call() throws Exception {
    if (demo && !backends.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "--backends cannot be used with --demo (expected: one of them; the demo starts its own backends)");
    }
    if (!demo && backends.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "Missing required option '--backends' (expected: host:port[:weight],... or --demo)");
    }
    if (verbose) {
      // Before the first logger of dev.hprp exists: slf4j-simple reads a logger's level when creating it.
      System.setProperty("org.slf4j.simpleLogger.log.dev.hprp", "debug");
    }
    HealthCheckChoice check = demo && !spec.commandLine().getParseResult().hasMatchedOption("--health-check")
        ? DEMO_HEALTH_CHECK : healthCheck;
    Transport chosen;
    try {
      chosen = transport.resolve();
    } catch (IllegalStateException e) {
      err.println("hprp: " + e.getMessage());
      return EXIT_FAILURE;
    }
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(options.getEventLoops()))
        .withTransport(chosen)
        .build();
    List<Backend> targets = demo ? DemoBackends.start(vertx).await() : backends;
    ReverseProxyBuilder builder = ReverseProxy.builder(vertx)
        .backends(targets)
        .balancer(balancer)
        .with(options);
    check.check().ifPresentOrElse(c -> builder.healthCheck(c, healthOptions), builder::noHealthCheck);
    RunningProxy running = new RunningProxy(vertx, builder.build());
    try {
      running.proxy().start().await();
    } catch (Exception e) {
      running.close();
      err.println("hprp: " + listenFailure(e));
      return EXIT_FAILURE;
    }
    out.println("hprp " + Version.hprp() + " listening on " + hostPort(options.getHost(), running.port())
        + ", mode TCP, balancer " + balancer + ", health check " + check.text()
        + ", backends " + targets.stream().map(Backend::toString).collect(Collectors.joining(","))
        + ", transport " + chosen.name() + transport.fallbackReason(chosen) + ", " + options.getEventLoops()
        + " event loop(s)");
    try {
      return serving.serve(running);
    } finally {
      running.close();
    }
  }

  /**
   * Runs a core setter, turning its rejection into a usage error that names the flag. Core messages read
   * {@code setting: value (expected: range)}, durations spelled as on the command line: the flag replaces the
   * setting's name.
   */
  private void apply(String flag, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      String detail = e.getMessage().replaceFirst("^[a-zA-Z ]+: ", "");
      throw new ParameterException(spec.commandLine(), "Invalid value for option '" + flag + "': " + detail);
    }
  }

  private static String usageError(ParameterException e) {
    String message = oneLine(e.getMessage());
    if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      return message + (suggestions.isEmpty()
          ? " (expected: an option listed by hprp --help)"
          : " (did you mean " + String.join(" or ", suggestions) + "?)");
    }
    return message;
  }

  private String listenFailure(Throwable e) {
    String address = hostPort(options.getHost(), options.getPort());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return "cannot listen on " + address + ": address already in use (is another server running there? "
            + "try another --port)";
      }
    }
    return "cannot listen on " + address + ": " + oneLine(String.valueOf(e.getMessage()));
  }

  private static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static String oneLine(String text) {
    return text.lines().findFirst().orElse("").strip();
  }
}
