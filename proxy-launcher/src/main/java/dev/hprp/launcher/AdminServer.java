package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.Ranges;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint ({@code --admin-port}): an HTTP server of its own, never on the proxy's port, answering
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus exposition (text, or protobuf when asked with {@code Accept});</li>
 *   <li>{@code GET /backends}: a JSON array, one object per backend, as {@link ReverseProxy#backends()};</li>
 *   <li>{@code GET /healthz}: 200 while the process runs; {@code GET /readyz}: 200 when the proxy accepts and a
 *       backend is eligible, else 503;</li>
 *   <li>{@code POST /backends}, {@code PUT /backends/{id}}, {@code DELETE /backends/{id}?drain=30s}: add, re-weight,
 *       drain or enable, remove a backend. With a token, each needs {@code Authorization: Bearer TOKEN} (401
 *       otherwise); without one they are accepted only on a loopback address.</li>
 *   <li>{@code GET /faults}, {@code POST /faults}, {@code GET /faults/{id}}, {@code DELETE /faults/{id}}: list, inject
 *       and remove faults ({@link AdminFaults} has the JSON), for tests that drive a running {@code hprp} as they
 *       would Toxiproxy; the changes under the same token rules as the backends'.</li>
 *   <li>{@code POST /reload}: reads the {@code --config} file again, as SIGHUP does (same authorization): 200 when
 *       applied, 409 when refused (the running configuration kept).</li>
 * </ul>
 *
 * <p>Errors answer {@code {"error":"..."}}: 400 for a bad body or value (naming the field), 404 for an unknown route
 * or backend, 405 for a method a route does not take, 409 for a backend already present. Handlers run on one event
 * loop and never block.
 */
final class AdminServer {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  /** The liveness probe's path: up while the process serves. */
  static final String LIVENESS = "/healthz";
  /** The readiness probe's path: ready while the proxy takes connections. */
  static final String READINESS = "/readyz";
  private static final String BACKENDS = "/backends";
  private static final String BACKEND_PREFIX = "/backends/";
  private static final String ADD_EXAMPLE = " (expected: {\"address\":\"host:port\",\"weight\":1})";
  private static final String FAULTS = "/faults";
  private static final String FAULT_PREFIX = "/faults/";
  private static final String UPDATE_EXAMPLE = " (expected: {\"weight\":3} or {\"state\":\"drain\"|\"enable\"})";

  private final ReverseProxy proxy;
  private final PrometheusMeterRegistry registry;
  private final AdminSettings settings;
  private final ExpositionFormats formats = ExpositionFormats.init();
  /** {@code Bearer TOKEN}, compared in constant time; null without a token. */
  private final byte[] expectedAuthorization;
  private HttpServer server;
  private Vertx vertx;
  /** {@code POST /reload}: reads the config file again; the line it logs. */
  private volatile Supplier<String> reload = () -> "reload asked, but there is no --config file to read: nothing changed";

  AdminServer(ReverseProxy proxy, PrometheusMeterRegistry registry, AdminSettings settings) {
    this.proxy = proxy;
    this.registry = registry;
    this.settings = settings;
    this.expectedAuthorization = settings.token() == null ? null
        : ("Bearer " + settings.token()).getBytes(StandardCharsets.US_ASCII);
  }

  /** Sets what {@code POST /reload} runs (off the event loop): the config file's reload. */
  void reloadWith(Supplier<String> reload) {
    this.reload = reload;
  }

  /** Listens on the configured address; completes with the bound port. */
  Future<Integer> start(Vertx vertx) {
    this.vertx = vertx;
    server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port()))
        .requestHandler(this::handle);
    return server.listen().map(HttpServer::actualPort);
  }

  /** Stops listening and closes its connections. */
  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    try {
      if (path.equals("/metrics")) {
        only(request, Set.of(HttpMethod.GET), this::metrics);
      } else if (path.equals(LIVENESS)) {
        only(request, Set.of(HttpMethod.GET), r -> json(r, 200, new JsonObject().put("status", "up")));
      } else if (path.equals(READINESS)) {
        only(request, Set.of(HttpMethod.GET), this::readiness);
      } else if (path.equals(BACKENDS)) {
        only(request, Set.of(HttpMethod.GET, HttpMethod.POST), r -> {
          if (method == HttpMethod.GET) {
            json(r, 200, backendsJson(proxy.backends()));
          } else if (authorized(r)) {
            withBody(r, body -> add(r, body));
          }
        });
      } else if (path.startsWith(BACKEND_PREFIX) && path.length() > BACKEND_PREFIX.length()) {
        String id = URLDecoder.decode(path.substring(BACKEND_PREFIX.length()), StandardCharsets.UTF_8);
        only(request, Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE), r -> {
          BackendStatus status = find(id);
          if (status == null) {
            error(r, 404, "backend " + id + ": no such backend");
          } else if (method == HttpMethod.GET) {
            json(r, 200, backendJson(status));
          } else if (authorized(r)) {
            if (method == HttpMethod.PUT) {
              withBody(r, body -> update(r, id, body));
            } else {
              remove(r, id);
            }
          }
        });
      } else if (path.equals(FAULTS)) {
        only(request, Set.of(HttpMethod.GET, HttpMethod.POST), r -> {
          if (method == HttpMethod.GET) {
            json(r, 200, AdminFaults.json(proxy.faults()));
          } else if (authorized(r)) {
            withBody(r, body -> addFault(r, body));
          }
        });
      } else if (path.startsWith(FAULT_PREFIX) && path.length() > FAULT_PREFIX.length()) {
        String id = path.substring(FAULT_PREFIX.length());
        only(request, Set.of(HttpMethod.GET, HttpMethod.DELETE), r -> {
          FaultHandle fault = proxy.faults().stream().filter(f -> f.id().equals(id)).findFirst().orElse(null);
          if (fault == null) {
            error(r, 404, "fault " + id + ": no such fault");
          } else if (method == HttpMethod.GET) {
            json(r, 200, AdminFaults.json(fault));
          } else if (authorized(r)) {
            // Answered once no connection is subject to it any more.
            fault.remove().onComplete(ar -> json(r, 200, AdminFaults.json(fault)));
          }
        });
      } else if (path.equals("/reload")) {
        only(request, Set.of(HttpMethod.POST), r -> {
          if (authorized(r)) {
            reload(r);
          }
        });
      } else {
        error(request, 404, "no such route: " + method + " " + path);
      }
    } catch (RuntimeException e) {
      log.warn("admin: {} {} failed", method, path, e);
      error(request, 500, "internal error: " + e);
    }
  }

  /**
   * {@code POST /reload}: as SIGHUP, on a worker thread (a reload waits for the proxy to take the new settings): 200
   * with the line logged when applied, 409 with it when refused (the running configuration kept) or there is no file.
   */
  private void reload(HttpServerRequest request) {
    vertx.executeBlocking(() -> reload.get()).onComplete(ar -> {
      if (ar.failed()) {
        error(request, 500, "reload failed: " + ar.cause());
      } else if (ar.result().startsWith("reloaded ")) {
        json(request, 200, new JsonObject().put("reloaded", ar.result()));
      } else {
        error(request, 409, ar.result());
      }
    });
  }

  /** Runs {@code handler} when the request's method is one of {@code methods}, else answers 405. */
  private static void only(HttpServerRequest request, Set<HttpMethod> methods,
      java.util.function.Consumer<HttpServerRequest> handler) {
    if (methods.contains(request.method())) {
      handler.accept(request);
    } else {
      request.response().putHeader("Allow", String.join(", ", methods.stream().map(HttpMethod::name).sorted()
          .toList()));
      error(request, 405, "method " + request.method() + " not allowed on " + request.path());
    }
  }

  /**
   * Whether a change may go on: with a token, the request carries it (compared in constant time); without one, the
   * endpoint listens on loopback (the command refuses to start otherwise). Answers 401 or 403 when not.
   */
  private boolean authorized(HttpServerRequest request) {
    if (expectedAuthorization != null) {
      String given = request.getHeader("Authorization");
      byte[] bytes = given == null ? new byte[0] : given.getBytes(StandardCharsets.US_ASCII);
      if (!MessageDigest.isEqual(bytes, expectedAuthorization)) {
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"hprp\"");
        error(request, 401, "missing or wrong bearer token (expected: Authorization: Bearer TOKEN)");
        return false;
      }
      return true;
    }
    if (!settings.loopback()) {
      error(request, 403, "changes need --admin-token on an address that is not loopback");
      return false;
    }
    return true;
  }

  private void metrics(HttpServerRequest request) {
    ExpositionFormatWriter writer = formats.findWriter(request.getHeader("Accept"));
    ByteArrayOutputStream body = new ByteArrayOutputStream(16384);
    try {
      registry.scrape(body, writer.getContentType());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    request.response().putHeader("Content-Type", writer.getContentType())
        .end(Buffer.buffer(body.toByteArray()));
  }

  private void readiness(HttpServerRequest request) {
    boolean accepting = proxy.accepting();
    boolean eligible = proxy.backends().stream().anyMatch(BackendStatus::eligible);
    JsonObject body = new JsonObject().put("ready", accepting && eligible);
    if (!accepting) {
      body.put("reason", "not accepting connections (starting, draining or stopped)");
    } else if (!eligible) {
      body.put("reason", "no backend is eligible");
    }
    json(request, accepting && eligible ? 200 : 503, body);
  }

  /** Reads the body as a JSON object, then hands it on; answers 400 when it is not one. */
  private static void withBody(HttpServerRequest request, java.util.function.Consumer<JsonObject> handler) {
    request.body().onSuccess(buffer -> {
      JsonObject body;
      try {
        Object parsed = buffer.length() == 0 ? null : Json.decodeValue(buffer);
        if (!(parsed instanceof JsonObject object)) {
          error(request, 400, "body: not a JSON object");
          return;
        }
        body = object;
      } catch (DecodeException e) {
        error(request, 400, "body: not JSON: " + oneLine(e.getMessage()));
        return;
      }
      handler.accept(body);
    }).onFailure(e -> error(request, 400, "body: " + e.getMessage()));
  }

  /** {@code POST /backends}: {@code {"address":"host:port","weight":2}}, weight optional. */
  private void add(HttpServerRequest request, JsonObject body) {
    String unknown = unknownField(body, Set.of("address", "weight"));
    if (unknown != null) {
      error(request, 400, unknown + ": unknown field" + ADD_EXAMPLE);
      return;
    }
    if (!(body.getValue("address") instanceof String address)) {
      error(request, 400, "address: " + (body.containsKey("address") ? "not a string" : "missing") + ADD_EXAMPLE);
      return;
    }
    Backend backend;
    try {
      backend = Backend.parse(address);
      if (body.containsKey("weight")) {
        backend = new Backend(backend.host(), backend.port(), weight(body));
      }
    } catch (IllegalArgumentException e) {
      error(request, 400, e.getMessage().startsWith("weight") ? e.getMessage() : "address: " + e.getMessage());
      return;
    }
    String id = backend.id();
    proxy.addBackend(backend).onComplete(ar -> {
      if (ar.succeeded()) {
        BackendStatus status = find(id);
        request.response().putHeader("Location", BACKEND_PREFIX + id);
        json(request, 201, status != null ? backendJson(status) : new JsonObject().put("id", id));
      } else if (ar.cause() instanceof IllegalArgumentException) {
        error(request, 409, ar.cause().getMessage());
      } else {
        error(request, 503, ar.cause().getMessage());
      }
    });
  }

  /** {@code POST /faults}: the fault as {@link AdminFaults} reads it; answered once it acts. */
  private void addFault(HttpServerRequest request, JsonObject body) {
    Fault fault;
    try {
      fault = AdminFaults.parse(body);
    } catch (IllegalArgumentException e) {
      error(request, 400, e.getMessage());
      return;
    }
    proxy.addFault(fault).onComplete(ar -> {
      if (ar.succeeded()) {
        log.info("admin: fault {} added: {}", ar.result().id(), fault);
        request.response().putHeader("Location", FAULT_PREFIX + ar.result().id());
        json(request, 201, AdminFaults.json(ar.result()));
      } else if (ar.cause() instanceof IllegalArgumentException) {
        error(request, 400, ar.cause().getMessage()); // a fault this proxy's mode does not take
      } else {
        error(request, 503, ar.cause().getMessage());
      }
    });
  }

  /** The {@code weight} field: an integer, 1-256. */
  private static int weight(JsonObject body) {
    if (!(body.getValue("weight") instanceof Integer weight)) {
      throw new IllegalArgumentException("weight: '" + body.getValue("weight") + "' (expected: an integer, 1-"
          + Backend.MAX_WEIGHT + ")");
    }
    return Ranges.check("weight", weight, 1, Backend.MAX_WEIGHT);
  }

  /** {@code PUT /backends/{id}}: {@code {"weight":3}} and/or {@code {"state":"drain"|"enable"}}. */
  private void update(HttpServerRequest request, String id, JsonObject body) {
    String unknown = unknownField(body, Set.of("weight", "state"));
    if (unknown != null || body.isEmpty()) {
      error(request, 400, (unknown != null ? unknown + ": unknown field" : "body: nothing to change")
          + UPDATE_EXAMPLE);
      return;
    }
    Future<Void> change = Future.succeededFuture();
    try {
      if (body.containsKey("weight")) {
        int weight = weight(body);
        change = change.compose(v -> proxy.setWeight(id, weight));
      }
      if (body.containsKey("state")) {
        Object state = body.getValue("state");
        if ("drain".equals(state)) {
          change = change.compose(v -> proxy.drain(id));
        } else if ("enable".equals(state)) {
          change = change.compose(v -> proxy.enable(id));
        } else {
          throw new IllegalArgumentException("state: '" + state + "' (expected: drain or enable)");
        }
      }
    } catch (IllegalArgumentException e) {
      error(request, 400, e.getMessage());
      return;
    }
    change.onComplete(ar -> {
      BackendStatus status = find(id);
      if (ar.succeeded() && status != null) {
        json(request, 200, backendJson(status));
      } else if (status == null) {
        error(request, 404, "backend " + id + ": no such backend");
      } else {
        error(request, 409, ar.cause().getMessage());
      }
    });
  }

  /** {@code DELETE /backends/{id}?drain=30s}: begins the removal, which completes in the background. */
  private void remove(HttpServerRequest request, String id) {
    String drainParam = request.getParam("drain");
    Duration drain;
    try {
      drain = drainParam == null ? settings.drainTimeout()
          : Ranges.check("drain", Durations.parse(drainParam), Duration.ZERO, AdminFlags.MAX_DRAIN_TIMEOUT);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      error(request, 400, message.startsWith("drain") ? message : "drain: " + message);
      return;
    }
    proxy.removeBackend(id, drain).onComplete(ar -> {
      if (ar.succeeded()) {
        log.info("admin: backend {} removed", id);
      } else {
        log.warn("admin: removing backend {} failed: {}", id, ar.cause().getMessage());
      }
    });
    json(request, 202, new JsonObject().put("id", id).put("drain", Durations.format(drain)));
  }

  private BackendStatus find(String id) {
    for (BackendStatus status : proxy.backends()) {
      if (status.id().equals(id)) {
        return status;
      }
    }
    return null;
  }

  private static String unknownField(JsonObject body, Set<String> known) {
    return body.fieldNames().stream().filter(name -> !known.contains(name)).sorted().findFirst().orElse(null);
  }

  /** The JSON of every backend, in the order of {@link ReverseProxy#backends()}. */
  static JsonArray backendsJson(List<BackendStatus> statuses) {
    JsonArray array = new JsonArray();
    statuses.forEach(status -> array.add(backendJson(status)));
    return array;
  }

  /** One backend's JSON: its id and configuration, health, admin state and counters. */
  static JsonObject backendJson(BackendStatus status) {
    return new JsonObject()
        .put("id", status.id())
        .put("host", status.backend().host())
        .put("port", status.backend().port())
        .put("weight", status.backend().weight())
        .put("health", status.health().name())
        .put("adminState", status.adminState().name())
        .put("eligible", status.eligible())
        .put("activeConnections", status.activeConnections())
        .put("totalConnections", status.totalConnections())
        .put("failedConnects", status.failedConnects())
        .put("bytesToBackend", status.bytesToBackend())
        .put("bytesFromBackend", status.bytesFromBackend());
  }

  private static void json(HttpServerRequest request, int status, Object body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body instanceof JsonArray array ? array.toBuffer() : ((JsonObject) body).toBuffer());
  }

  private static void error(HttpServerRequest request, int status, String message) {
    json(request, status, new JsonObject().put("error", message));
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("").strip();
  }
}
