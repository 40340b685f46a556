package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.HttpOptions;
import dev.hprp.proxy.ProxyMode;
import dev.hprp.proxy.BackendTlsOptions;
import dev.hprp.proxy.ProxyProtocolOptions;
import dev.hprp.proxy.Ranges;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.ReverseProxyOptions;
import dev.hprp.proxy.TlsOptions;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DiscoveryException;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import dev.hprp.proxy.health.HealthCheckOptions;
import dev.hprp.proxy.health.PassiveHealthOptions;
import dev.hprp.proxy.metrics.HprpMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.RunLast;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code hprp} command: flags in, a running proxy out.
 *
 * <p>Each concern's flags live in a mixin ({@link ListenFlags}, {@link BackendFlags}, {@link DiscoveryFlags},
 * {@link HttpFlags}, {@link HealthFlags}, {@link PassiveHealthFlags}, {@link ConnectionFlags}, {@link LimitFlags},
 * {@link TransportFlags}, {@link AdminFlags}, {@link ProxyProtocolFlags}, {@link TlsFlags}) that only collects their
 * values.
 * {@link #settings()} then applies them in one place, through the core's setters, which validate; a value they refuse
 * is a usage error naming its flag. {@code --help} shows each flag's default from the core's {@code DEFAULT_*}
 * constants.
 */
@Command(
    name = "hprp",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "A reverse proxy: spreads TCP connections (--mode tcp) or HTTP requests (--mode http) over "
        + "backends, with health checks.%n",
    footer = {
        "%nDurations are a whole number and a unit: 200ms, 2s, 1m, 1h, 7d.",
        "Exit codes: 0 after --help or --version, or after SIGTERM or Ctrl-C once every connection finished within "
            + "--drain-timeout; 1 when the proxy cannot start (port in use, a DNS backend entry without addresses); 2 "
            + "for a bad flag; 143 (SIGTERM) or 130 (Ctrl-C) when the drain timeout cut connections, or at once on a "
            + "second signal."})
final class HprpCommand implements Callable<Integer> {

  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  /** What {@code --help} shows for each flag not given, by flag; the core's own defaults wherever it has one. */
  private static final Map<String, String> DEFAULTS = Stream.of(ListenFlags.DEFAULTS, BackendFlags.DEFAULTS,
          HttpFlags.DEFAULTS, DiscoveryFlags.DEFAULTS, HealthFlags.DEFAULTS, PassiveHealthFlags.DEFAULTS,
          ConnectionFlags.DEFAULTS, LimitFlags.DEFAULTS, TransportFlags.DEFAULTS, AdminFlags.DEFAULTS,
          ProxyProtocolFlags.DEFAULTS)
      .flatMap(defaults -> defaults.entrySet().stream())
      .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

  /** The flags of HTTP mode alone: refused in TCP mode. */
  private static final List<String> HTTP_ONLY = List.of(HttpFlags.POOL_QUEUE, HttpFlags.POOL_QUEUE_TIMEOUT,
      HttpFlags.KEEP_ALIVE_TIMEOUT, HttpFlags.RESPONSE_TIMEOUT, HttpFlags.MAX_HEADER_SIZE,
      HttpFlags.REQUEST_HEADER_TIMEOUT, HttpFlags.FORWARDED_HEADERS, HttpFlags.VIA, PassiveHealthFlags.SERVER_ERRORS);

  @Spec
  private CommandSpec spec;

  @Mixin
  private ListenFlags listenFlags = new ListenFlags();
  @Mixin
  private BackendFlags backendFlags = new BackendFlags();
  @Mixin
  private HttpFlags httpFlags = new HttpFlags();
  @Mixin
  private DiscoveryFlags discoveryFlags = new DiscoveryFlags();
  @Mixin
  private HealthFlags healthFlags = new HealthFlags();
  @Mixin
  private PassiveHealthFlags passiveFlags = new PassiveHealthFlags();
  @Mixin
  private ConnectionFlags connectionFlags = new ConnectionFlags();
  @Mixin
  private LimitFlags limitFlags = new LimitFlags();
  @Mixin
  private TransportFlags transportFlags = new TransportFlags();
  @Mixin
  private AdminFlags adminFlags = new AdminFlags();
  @Mixin
  private ProxyProtocolFlags proxyProtocolFlags = new ProxyProtocolFlags();
  @Mixin
  private TlsFlags tlsFlags = new TlsFlags();

  @Option(names = "--verbose", order = 90, description = "Log HPRP at debug level (connections, health probes).")
  private boolean verbose;

  static final String CONFIG = "--config";

  @Option(names = CONFIG, order = 1, paramLabel = "FILE",
      description = "A YAML file of settings, each key a flag's name without the dashes (port: 8080); a flag given "
          + "here overrides the file's. Reloaded on SIGHUP.")
  private Path configPath;

  /** The {@code --config} file, read while the flags are parsed; null without one. */
  private ConfigFile configFile;

  private final PrintWriter out;
  private final PrintWriter err;
  private final Main.Serving serving;
  /** Made from the flags once they are parsed, before {@link #call()} (or help) runs. */
  private Settings settings;

  HprpCommand(PrintWriter out, PrintWriter err, Main.Serving serving) {
    this.out = out;
    this.err = err;
    this.serving = serving;
  }

  /** A command line for this command, printing to {@code out} and {@code err}, with the launcher's error policy. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err, Main.Serving serving) {
    HprpCommand command = new HprpCommand(out, err, serving);
    CommandLine commandLine = new CommandLine(command);
    configure(commandLine, command);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionStrategy(parsed -> {
      // Every value is checked before anything runs, --help and --version included: a bad flag is exit code 2
      // whatever else the command line says.
      command.settings = command.settings();
      return new RunLast().execute(parsed);
    });
    commandLine.setParameterExceptionHandler((e, args) -> {
      err.println("hprp: " + command.usageError(e));
      return EXIT_USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
      err.println("hprp: " + oneLine(String.valueOf(e)));
      return EXIT_FAILURE;
    });
    return commandLine;
  }

  /** What every command line of the command shares: converters, and defaults from the config file or the core. */
  private static void configure(CommandLine commandLine, HprpCommand command) {
    commandLine.registerConverter(Duration.class, new DurationConverter());
    commandLine.registerConverter(HealthCheckChoice.class, HealthCheckChoice::parse);
    // Called after the flags given were parsed, for each one not given: the config file's value, else the default.
    commandLine.setDefaultValueProvider(arg -> arg instanceof OptionSpec option
        ? command.defaultValue(option.longestName()) : null);
  }

  /**
   * The settings that {@code args} make now, as a new start would (the config file read again), for a reload.
   *
   * @throws IllegalArgumentException with the one-line usage error, naming the flag or the file's line and key
   */
  static Settings settingsFor(String... args) {
    PrintWriter none = new PrintWriter(Writer.nullWriter());
    HprpCommand command = new HprpCommand(none, none, running -> 0);
    CommandLine commandLine = new CommandLine(command);
    configure(commandLine, command);
    try {
      commandLine.parseArgs(args);
      Settings settings = command.settings();
      command.checkBackends();
      return settings;
    } catch (ParameterException e) {
      throw new IllegalArgumentException(command.usageError(e));
    }
  }

  /** The default of {@code longName} when not given: the config file's value, else the core's default. */
  private String defaultValue(String longName) {
    ConfigFile file = configFile();
    if (file != null && file.has(longName)) {
      return file.text(longName);
    }
    return DEFAULTS.get(longName);
  }

  /** The config file, read on first use once {@code --config} was parsed; null without one. */
  private ConfigFile configFile() {
    if (configPath != null && configFile == null) {
      try {
        configFile = ConfigFile.read(configPath, spec);
      } catch (ConfigFile.ConfigException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    return configFile;
  }

  /**
   * The one place where the collected flags become settings. Each setting starts at the core's default and takes its
   * flag's value if the flag was given (a configuration file's values will go in between), through the core's
   * setters, which validate.
   *
   * @throws ParameterException naming the flag, when a value is refused
   */
  Settings settings() {
    ReverseProxyOptions options = new ReverseProxyOptions();
    apply(ListenFlags.PORT, listenFlags.port, options::setPort);
    apply(ListenFlags.HOST, listenFlags.host, options::setHost);
    apply(ConnectionFlags.CONNECT_TIMEOUT, connectionFlags.connectTimeout, options::setConnectTimeout);
    apply(ConnectionFlags.IDLE_TIMEOUT, connectionFlags.idleTimeout, options::setIdleTimeout);
    apply(ConnectionFlags.MAX_CONNECT_ATTEMPTS, connectionFlags.maxConnectAttempts, options::setMaxConnectAttempts);
    apply(LimitFlags.MAX_CONNECTIONS, limitFlags.maxConnections, options::setMaxConnections);
    apply(LimitFlags.BACKEND_MAX_CONNECTIONS, limitFlags.backendMaxConnections, options::setBackendMaxConnections);
    apply(LimitFlags.MAX_QUEUE, limitFlags.maxQueue, options::setMaxQueue);
    apply(LimitFlags.QUEUE_TIMEOUT, limitFlags.queueTimeout, options::setQueueTimeout);
    apply(LimitFlags.CLIENT_TIMEOUT, limitFlags.clientTimeout, options::setClientTimeout);
    apply(TransportFlags.EVENT_LOOPS, transportFlags.eventLoops, options::setEventLoops);
    apply(HttpFlags.MODE, httpFlags.mode, text -> options.setMode(mode(text)));
    apply(HttpFlags.POOL_SIZE, httpFlags.poolSize, text -> options.setPoolSize(wholeNumber(text)));
    if (options.getMode() == ProxyMode.HTTP && options.getPoolSize() == 0) {
      throw invalid(HttpFlags.POOL_SIZE, "0 (expected: 1-" + ReverseProxyOptions.MAX_POOL_SIZE + " with --mode http)");
    }
    if (options.getMode() == ProxyMode.HTTP && given(LimitFlags.CLIENT_TIMEOUT)) {
      // Refused rather than ignored: HTTP mode times its clients with the request head and idle timeouts.
      throw invalid(LimitFlags.CLIENT_TIMEOUT, Durations.format(limitFlags.clientTimeout) + " (expected: with --mode "
          + "tcp; in HTTP mode --request-header-timeout and --idle-timeout time the clients)");
    }

    HttpOptions http = new HttpOptions();
    apply(HttpFlags.POOL_QUEUE, httpFlags.poolQueue, http::setPoolQueue);
    apply(HttpFlags.POOL_QUEUE_TIMEOUT, httpFlags.poolQueueTimeout, http::setPoolQueueTimeout);
    apply(HttpFlags.KEEP_ALIVE_TIMEOUT, httpFlags.keepAliveTimeout, http::setKeepAliveTimeout);
    apply(HttpFlags.RESPONSE_TIMEOUT, httpFlags.responseTimeout, http::setResponseTimeout);
    apply(HttpFlags.MAX_HEADER_SIZE, httpFlags.maxHeaderSize, http::setMaxHeaderSize);
    apply(HttpFlags.REQUEST_HEADER_TIMEOUT, httpFlags.requestHeaderTimeout, http::setRequestHeaderTimeout);
    apply(HttpFlags.FORWARDED_HEADERS, httpFlags.forwardedHeaders, text -> http.setForwardedHeaders(onOrOff(text)));
    apply(HttpFlags.VIA, httpFlags.via, text -> http.setVia(onOrOff(text)));

    apply(AdminFlags.DRAIN_TIMEOUT, adminFlags.drainTimeout, options::setDrainTimeout);

    HealthCheckOptions health = new HealthCheckOptions();
    apply(HealthFlags.INTERVAL, healthFlags.interval, health::setInterval);
    apply(HealthFlags.TIMEOUT, healthFlags.timeout, health::setTimeout);
    apply(HealthFlags.RISE, healthFlags.rise, health::setRise);
    apply(HealthFlags.FALL, healthFlags.fall, health::setFall);

    PassiveHealthOptions passive = new PassiveHealthOptions();
    apply(PassiveHealthFlags.FAILURES, passiveFlags.failures, passive::setConsecutiveFailures);
    apply(PassiveHealthFlags.EJECTION_TIME, passiveFlags.ejectionTime, passive::setBaseEjectionTime);
    apply(PassiveHealthFlags.MAX_EJECTION_TIME, passiveFlags.maxEjectionTime, passive::setMaxEjectionTime);
    apply(PassiveHealthFlags.MAX_EJECTED_PERCENT, passiveFlags.maxEjectedPercent, passive::setMaxEjectedPercent);
    apply(PassiveHealthFlags.UNEJECT_ON_CHECK, passiveFlags.unejectOnCheck,
        text -> passive.setUnejectOnActiveCheck(trueOrFalse(text)));
    apply(PassiveHealthFlags.EARLY_CLOSE_WINDOW, passiveFlags.earlyCloseWindow, passive::setEarlyCloseWindow);
    apply(PassiveHealthFlags.SERVER_ERRORS, passiveFlags.serverErrors,
        text -> passive.setCountServerErrors(trueOrFalse(text)));
    checkOrdered(PassiveHealthFlags.EJECTION_TIME, passive.getBaseEjectionTime(),
        PassiveHealthFlags.MAX_EJECTION_TIME, passive.getMaxEjectionTime());
    // After every value was read, so that a bad value is named as such first.
    if (options.getMode() == ProxyMode.TCP) {
      // Refused rather than ignored: a setting that would silently do nothing.
      for (String flag : HTTP_ONLY) {
        if (given(flag)) {
          throw invalid(flag, asGiven(flag) + " (expected: with --mode http; TCP mode relays bytes and reads no "
              + "HTTP)");
        }
      }
    }

    ProxyProtocolOptions proxyProtocol = new ProxyProtocolOptions();
    apply(ProxyProtocolFlags.SEND_PROXY, proxyProtocolFlags.sendProxy, proxyProtocol::setSend);
    apply(ProxyProtocolFlags.CHECK_SEND_PROXY, proxyProtocolFlags.checkSendProxy,
        proxyProtocol::setSendToHealthChecks);
    apply(ProxyProtocolFlags.ACCEPT_PROXY, proxyProtocolFlags.acceptProxy, proxyProtocol::setAccept);
    apply(ProxyProtocolFlags.TRUSTED_PROXIES, proxyProtocolFlags.trustedProxies,
        text -> proxyProtocol.setTrustedProxies(List.of(text.split(",", -1))));


    DnsDiscoveryOptions dns = new DnsDiscoveryOptions();
    apply(DiscoveryFlags.DNS_SERVER, discoveryFlags.dnsServers,
        text -> dns.setServers(DnsDiscoveryOptions.parseServers(text)));
    apply(DiscoveryFlags.MIN_REFRESH, discoveryFlags.minRefresh, dns::setMinRefresh);
    apply(DiscoveryFlags.MAX_REFRESH, discoveryFlags.maxRefresh, dns::setMaxRefresh);
    apply(DiscoveryFlags.EMPTY_GRACE, discoveryFlags.emptyGrace, dns::setEmptyGrace);
    dns.setAllowEmpty(discoveryFlags.allowEmpty);
    checkOrdered(DiscoveryFlags.MIN_REFRESH, dns.getMinRefresh(), DiscoveryFlags.MAX_REFRESH, dns.getMaxRefresh());

    List<BackendDiscovery> backends = given(BackendFlags.BACKENDS)
        ? parse(BackendFlags.BACKENDS, () -> BackendDiscovery.parseList(backendFlags.backends, dns)) : List.of();
    Balancer balancer = given(BackendFlags.BALANCER) ? backendFlags.balancer : BackendFlags.DEFAULT_BALANCER;
    HashKey hashKey = given(HttpFlags.HASH_KEY) ? parse(HttpFlags.HASH_KEY, () -> HashKey.parse(httpFlags.hashKey))
        : HashKey.DEFAULT;
    if (!hashKey.isClientIp()) {
      if (!balancer.toString().equals("consistent-hash")) {
        throw invalid(HttpFlags.HASH_KEY, hashKey + " (expected: with --balancer consistent-hash)");
      }
      if (options.getMode() != ProxyMode.HTTP) {
        throw invalid(HttpFlags.HASH_KEY, hashKey + " (expected: client-ip in tcp mode; headers and cookies need "
            + "--mode http)");
      }
      balancer = Balancer.consistentHash(hashKey.function());
    }
    HealthCheckChoice check = given(HealthFlags.CHECK) ? healthFlags.check
        : backendFlags.demo ? HealthFlags.DEMO_CHECK : HealthFlags.DEFAULT_CHECK;
    TransportChoice transport = given(TransportFlags.TRANSPORT)
        ? transportFlags.transport : TransportFlags.DEFAULT_TRANSPORT;
    Optional<TlsOptions> tls = tls();
    Optional<BackendTlsOptions> backendTls = backendTls();

    // A backend's own connection limit belongs to the file's list: none when --backends replaces it.
    Map<String, Integer> backendLimits = fromFile(BackendFlags.BACKENDS) ? configFile.backendLimits() : Map.of();
    return new Settings(backends, dns, backendFlags.demo, balancer, check, health, passive, options, http, transport,
        adminSettings(options.getDrainTimeout()), backendLimits, Optional.ofNullable(configFile).map(ConfigFile::name),
        proxyProtocol, tls, backendTls);
  }

  /** TLS termination, when {@code --tls-cert} and {@code --tls-key} are given (one needs the other). */
  private Optional<TlsOptions> tls() {
    boolean cert = given(TlsFlags.CERT);
    boolean key = given(TlsFlags.KEY);
    if (cert != key) {
      String missing = cert ? TlsFlags.KEY : TlsFlags.CERT;
      throw invalid(cert ? TlsFlags.CERT : TlsFlags.KEY, "given without " + missing + " (expected: both)");
    }
    if (!cert) {
      if (given(TlsFlags.CLIENT_CA)) {
        throw invalid(TlsFlags.CLIENT_CA, "given without " + TlsFlags.CERT + " (expected: with TLS on)");
      }
      return Optional.empty();
    }
    TlsOptions tls = new TlsOptions(readable(TlsFlags.CERT, tlsFlags.cert), readable(TlsFlags.KEY, tlsFlags.key));
    if (given(TlsFlags.CLIENT_CA)) {
      tls.setClientCa(readable(TlsFlags.CLIENT_CA, tlsFlags.clientCa));
    }
    return Optional.of(tls);
  }

  /** TLS to the backends, when {@code --backend-tls}; its other flags need it. */
  private Optional<BackendTlsOptions> backendTls() {
    if (!given(TlsFlags.BACKEND_TLS) || !tlsFlags.backendTls) {
      for (String flag : List.of(TlsFlags.BACKEND_CA, TlsFlags.BACKEND_SNI, TlsFlags.BACKEND_TLS_INSECURE)) {
        if (given(flag)) {
          throw invalid(flag, "given without " + TlsFlags.BACKEND_TLS + " (expected: with it)");
        }
      }
      return Optional.empty();
    }
    BackendTlsOptions backendTls = new BackendTlsOptions();
    if (given(TlsFlags.BACKEND_CA)) {
      backendTls.setCa(readable(TlsFlags.BACKEND_CA, tlsFlags.backendCa));
    }
    apply(TlsFlags.BACKEND_SNI, tlsFlags.backendSni, backendTls::setServerName);
    apply(TlsFlags.BACKEND_TLS_INSECURE, tlsFlags.backendTlsInsecure, backendTls::setInsecure);
    return Optional.of(backendTls);
  }

  /** {@code file}, which must be readable; refused naming {@code flag} otherwise. */
  private Path readable(String flag, Path file) {
    if (!Files.isReadable(file)) {
      throw invalid(flag, file + " (expected: a readable PEM file)");
    }
    return file;
  }

  /** The backends are given, or the demo's are wanted: one of the two. */
  private void checkBackends() {
    if (backendFlags.demo && given(BackendFlags.BACKENDS)) {
      throw new ParameterException(spec.commandLine(),
          "--backends cannot be used with --demo (expected: one of them; the demo starts its own backends)");
    }
    if (!backendFlags.demo && !given(BackendFlags.BACKENDS)) {
      throw new ParameterException(spec.commandLine(),
          "Missing required option '--backends' (expected: host:port[:weight], dns:NAME:PORT or srv:NAME, "
              + "comma-separated, or --demo)");
    }
  }

  /**
   * The admin endpoint's, the access log's and the drain's settings. An admin endpoint that is not on loopback needs a
   * token: it can add, drain and remove backends. A signal's drain takes as long as a leaving backend's may
   * ({@code --drain-timeout}, applied with the other options).
   */
  private AdminSettings adminSettings(Duration drainTimeout) {
    Integer port = given(AdminFlags.ADMIN_PORT)
        ? parse(AdminFlags.ADMIN_PORT, () -> Ranges.check("port", adminFlags.adminPort, 0, 65535)) : null;
    String host = given(AdminFlags.ADMIN_HOST) ? adminFlags.adminHost : AdminFlags.DEFAULT_ADMIN_HOST;
    boolean loopback = parse(AdminFlags.ADMIN_HOST, () -> isLoopback(host));
    String token = given(AdminFlags.ADMIN_TOKEN) ? parse(AdminFlags.ADMIN_TOKEN, () -> checkToken(adminFlags.adminToken))
        : null;
    if (port != null && !loopback && token == null) {
      throw new ParameterException(spec.commandLine(), AdminFlags.ADMIN_HOST + " " + host + " is not a loopback "
          + "address, and the admin endpoint can change backends (expected: " + AdminFlags.ADMIN_TOKEN
          + " as well, or a loopback " + AdminFlags.ADMIN_HOST + ")");
    }
    return new AdminSettings(port, host, loopback, token, adminFlags.accessLog, drainTimeout);
  }

  private static boolean isLoopback(String host) {
    if (host.isBlank()) {
      throw new IllegalArgumentException("host: must not be blank");
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host: '" + host + "' is not a known address");
    }
  }

  /** A token goes in an HTTP header: visible ASCII, no spaces. */
  private static String checkToken(String token) {
    if (token.isEmpty() || !token.chars().allMatch(c -> c > ' ' && c < 127)) {
      throw new IllegalArgumentException("token: must be one or more visible ASCII characters, no spaces");
    }
    return token;
  }

  @Override
  public Integer call() throws Exception {
    checkBackends();
    if (verbose) {
      // Before the first logger of dev.hprp exists: slf4j-simple reads a logger's level when creating it.
      System.setProperty("org.slf4j.simpleLogger.log.dev.hprp", "debug");
    }
    ReverseProxyOptions options = settings.options();
    IoUringSizing.apply(options);
    Transport chosen;
    try {
      chosen = settings.transport().resolve();
    } catch (IllegalStateException e) {
      err.println("hprp: " + e.getMessage());
      return EXIT_FAILURE;
    }
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(options.getEventLoops()))
        .withTransport(chosen)
        .build();
    List<BackendDiscovery> sources = settings.demo()
        ? List.of(BackendDiscovery.fixed(DemoBackends.start(vertx).await())) : settings.backends();
    ReverseProxy proxy;
    try {
      proxy = settings.builder(vertx, sources).build();
      settings.applyBackendLimits(proxy);
    } catch (IllegalArgumentException e) {
      // A TLS file that reads but does not make a certificate and key, or a CA: the message names the files.
      vertx.close();
      err.println("hprp: " + oneLine(e.getMessage()));
      return EXIT_FAILURE;
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    AdminSettings admin = settings.admin();
    RunningProxy running = new RunningProxy(vertx, proxy, admin.drainTimeout());
    if (settings.configFile().isPresent()) {
      running.reloader(new Reloader(spec.commandLine().getParseResult().originalArgs(), settings, proxy));
    }
    try {
      running.proxy().start().await();
    } catch (Exception e) {
      running.close();
      err.println("hprp: " + startFailure(e));
      return EXIT_FAILURE;
    }
    if (admin.enabled()) {
      try {
        startAdmin(vertx, running, admin);
      } catch (Exception e) {
        running.close();
        err.println("hprp: " + listenFailure(e, AdminFlags.ADMIN_PORT, hostPort(admin.host(), admin.port())));
        return EXIT_FAILURE;
      }
    }
    out.println("hprp " + Version.hprp() + " listening on " + hostPort(options.getHost(), running.port())
        + ", mode " + options.getMode().name() + ", pool size " + options.getPoolSize() + ", balancer "
        + settings.balancer() + ", health check " + settings.healthCheck().text()
        + ", backends " + sources.stream().map(Object::toString).collect(Collectors.joining(","))
        + ", transport " + chosen.name() + settings.transport().fallbackReason(chosen) + ", "
        + options.getEventLoops() + " event loop(s)"
        + (admin.enabled() ? ", admin on http://" + hostPort(admin.host(), running.adminPort()) : "")
        + settings.configFile().map(name -> ", config " + name).orElse("")
        + (settings.tls().isPresent() ? ", TLS" : "") + (settings.backendTls().isPresent() ? ", TLS to backends" : ""));
    try {
      return serving.serve(running);
    } finally {
      running.close();
    }
  }

  /**
   * Starts the admin endpoint: a Prometheus registry with HPRP's meters and the JVM's and the process's, served with
   * the backends API and the probes on a port of its own.
   */
  private static void startAdmin(Vertx vertx, RunningProxy running, AdminSettings admin) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HprpMetrics metrics = new HprpMetrics(running.proxy());
    metrics.bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    for (MeterBinder binder : List.of(new ClassLoaderMetrics(), new JvmMemoryMetrics(), gc, new JvmThreadMetrics(),
        new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics())) {
      binder.bindTo(registry);
    }
    AdminServer server = new AdminServer(running.proxy(), registry, admin);
    server.reloadWith(running::reload);
    AutoCloseable binding = () -> {
      gc.close();
      metrics.close();
      registry.close();
    };
    try {
      running.admin(server, server.start(vertx).await(), binding);
    } catch (Exception e) {
      binding.close();
      throw e;
    }
  }

  /**
   * Whether {@code flag} was given, on the command line or in the config file (a flag given neither way holds the
   * default shown by {@code --help}).
   */
  /** The value of {@code flag}, given, as written on the command line or in the file. */
  private String asGiven(String flag) {
    return onCommandLine(flag)
        ? spec.commandLine().getParseResult().matchedOption(flag).originalStringValues().get(0)
        : configFile.text(flag);
  }

  private boolean given(String flag) {
    return onCommandLine(flag) || configFile != null && configFile.has(flag);
  }

  private boolean onCommandLine(String flag) {
    return spec.commandLine().getParseResult().hasMatchedOption(flag);
  }

  /** Whether {@code flag}'s value is the config file's: the file gives it, the command line does not. */
  private boolean fromFile(String flag) {
    return !onCommandLine(flag) && configFile != null && configFile.has(flag);
  }

  /** Hands {@code value} to {@code setter} when {@code flag} was given; a refusal names the flag. */
  private <T> void apply(String flag, T value, Consumer<T> setter) {
    if (given(flag)) {
      parse(flag, () -> {
        setter.accept(value);
        return null;
      });
    }
  }

  /**
   * A range's upper end may not be below its lower (the core refuses that too, without the flags' names): names the
   * flag given, {@code highFlag} when both were, and the other one's value.
   */
  private void checkOrdered(String lowFlag, Duration low, String highFlag, Duration high) {
    if (high.compareTo(low) >= 0) {
      return;
    }
    if (given(highFlag)) {
      throw invalid(highFlag, Durations.format(high) + " (expected: at least " + lowFlag + ", "
          + Durations.format(low) + ")");
    }
    throw invalid(lowFlag, Durations.format(low) + " (expected: at most " + highFlag + ", " + Durations.format(high)
        + ")");
  }

  /**
   * Runs a core setter or parser, turning its refusal into a usage error that names the flag. Core messages read
   * {@code setting: value (expected: range)}, durations spelled as on the command line: the flag replaces the
   * setting's name.
   */
  private <T> T parse(String flag, Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw invalid(flag, e.getMessage().replaceFirst("^[a-zA-Z ]+: ", ""));
    }
  }

  /** A refused value: named by its flag, or by the file's line and key when the value is the file's. */
  private ParameterException invalid(String flag, String detail) {
    if (fromFile(flag)) {
      return new ParameterException(spec.commandLine(), configFile.where(flag) + ": " + detail);
    }
    return new ParameterException(spec.commandLine(), "Invalid value for option '" + flag + "': " + detail);
  }

  /** {@code tcp} or {@code http}, in any case. */
  private static ProxyMode mode(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "tcp" -> ProxyMode.TCP;
      case "http" -> ProxyMode.HTTP;
      default -> throw new IllegalArgumentException("'" + text + "' (expected: tcp or http)");
    };
  }

  /** A whole number, as picocli reads an {@code int}. */
  private static int wholeNumber(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an int");
    }
  }

  /** {@code on} or {@code off}, in any case. */
  private static boolean onOrOff(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("'" + text + "' (expected: on or off)");
    };
  }

  /** {@code true} or {@code false}, in any case. */
  private static boolean trueOrFalse(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + text + "' (expected: true or false)");
    };
  }

  private String usageError(ParameterException e) {
    String message = oneLine(e.getMessage());
    String prefix = "Invalid value for option '";
    if (e.getArgSpec() instanceof OptionSpec option && fromFile(option.longestName()) && message.startsWith(prefix)) {
      // picocli could not convert the file's value: say where it is written, as for the values the core refuses.
      return configFile.where(option.longestName()) + ": " + message.substring(message.indexOf("': ") + 3);
    }
    if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      return message + (suggestions.isEmpty()
          ? " (expected: an option listed by hprp --help)"
          : " (did you mean " + String.join(" or ", suggestions) + "?)");
    }
    return message;
  }

  /** Why the proxy did not start: a discovery source without backends, or its port. */
  private String startFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DiscoveryException) {
        return "cannot start: " + oneLine(t.getMessage()) + " (" + DiscoveryFlags.ALLOW_EMPTY
            + " starts without its backends)";
      }
    }
    return listenFailure(e, ListenFlags.PORT, hostPort(settings.options().getHost(), settings.options().getPort()));
  }

  private static String listenFailure(Throwable e, String portFlag, String address) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return "cannot listen on " + address + ": address already in use (is another server running there? "
            + "try another " + portFlag + ")";
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
