package dev.hprp.launcher;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of the admin endpoint's fault routes ({@code POST /faults}, {@code GET /faults},
 * {@code DELETE /faults/{id}}): a fault from a request body, and a fault as listed. One object per fault, its
 * {@code type} the factory's name and its other fields the factory's parameters and the narrowing:
 *
 * <pre>{@code
 * {"type":"latency","base":"200ms","jitter":"20ms","direction":"to-client","backend":"10.0.0.2:5432",
 *  "probability":0.5,"seed":42}
 * }</pre>
 *
 * <p>Durations are written as the command's flags are ({@code 200ms}, {@code 2s}); {@code direction} is
 * {@code both} (the default), {@code to-backend} or {@code to-client}. The HTTP faults ({@code httpStatus} with its
 * {@code status}, {@code abortAfterHeaders}) are parsed here whatever the mode; a proxy in TCP mode refuses them when
 * they are added. Stateless.
 */
final class AdminFaults {

  /**
   * The parameters of each type, as its factory takes them; latency's jitter and slicer's delay default to 0ms.
   * {@code httpStatus}'s share of requests is the {@code probability} every type takes (default 1.0).
   */
  private static final Map<String, List<String>> PARAMETERS = Map.ofEntries(
      Map.entry("latency", List.of("base", "jitter")),
      Map.entry("bandwidth", List.of("bytesPerSecond")),
      Map.entry("slicer", List.of("maxBytes", "delay")),
      Map.entry("resetAfter", List.of("bytes")),
      Map.entry("closeAfter", List.of("bytes")),
      Map.entry("blackHole", List.of()),
      Map.entry("refuseFirst", List.of("connections")),
      Map.entry("stall", List.of("duration")),
      Map.entry("connectDelay", List.of("delay")),
      Map.entry("httpStatus", List.of("status")),
      Map.entry("abortAfterHeaders", List.of()));
  private static final Set<String> NARROWING = Set.of("type", "direction", "backend", "probability", "seed");
  static final String EXAMPLE = " (expected: {\"type\":\"latency\",\"base\":\"200ms\"}, type one of "
      + PARAMETERS.keySet().stream().sorted().toList() + ")";

  private AdminFaults() {
  }

  /**
   * The fault a request body describes.
   *
   * @throws IllegalArgumentException naming the field at fault and what was expected
   */
  static Fault parse(JsonObject body) {
    if (!(body.getValue("type") instanceof String type) || !PARAMETERS.containsKey(type)) {
      throw new IllegalArgumentException("type: " + (body.containsKey("type") ? "'" + body.getValue("type") + "'"
          : "missing") + EXAMPLE);
    }
    List<String> parameters = PARAMETERS.get(type);
    for (String field : body.fieldNames()) {
      if (!NARROWING.contains(field) && !parameters.contains(field)) {
        throw new IllegalArgumentException(field + ": unknown field for " + type + " (expected: " + parameters
            + " and direction, backend, probability, seed)");
      }
    }
    Fault fault = switch (type) {
      case "latency" -> Fault.latency(duration(body, "base", null), duration(body, "jitter", Duration.ZERO));
      case "bandwidth" -> Fault.bandwidth(number(body, "bytesPerSecond"));
      case "slicer" -> Fault.slicer((int) Math.min(Integer.MAX_VALUE, number(body, "maxBytes")),
          duration(body, "delay", Duration.ZERO));
      case "resetAfter" -> Fault.resetAfter(number(body, "bytes"));
      case "closeAfter" -> Fault.closeAfter(number(body, "bytes"));
      case "blackHole" -> Fault.blackHole();
      case "refuseFirst" -> Fault.refuseFirst((int) Math.min(Integer.MAX_VALUE, number(body, "connections")));
      case "stall" -> Fault.stall(duration(body, "duration", null));
      case "connectDelay" -> Fault.connectDelay(duration(body, "delay", null));
      // The probability, if given, is applied below as for every type.
      case "httpStatus" -> Fault.httpStatus((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE,
          number(body, "status"))), 1.0);
      default -> Fault.abortAfterHeaders();
    };
    if (body.containsKey("direction")) {
      Object direction = body.getValue("direction");
      fault = fault.withDirection(switch (String.valueOf(direction)) {
        case "both" -> Fault.Direction.BOTH;
        case "to-backend" -> Fault.Direction.TO_BACKEND;
        case "to-client" -> Fault.Direction.TO_CLIENT;
        default -> throw new IllegalArgumentException("direction: '" + direction
            + "' (expected: both, to-backend or to-client)");
      });
    }
    if (body.containsKey("backend")) {
      if (!(body.getValue("backend") instanceof String backend)) {
        throw new IllegalArgumentException("backend: not a string (expected: host:port)");
      }
      fault = fault.withBackend(backend);
    }
    if (body.containsKey("probability")) {
      if (!(body.getValue("probability") instanceof Number probability)) {
        throw new IllegalArgumentException("probability: not a number (expected: 0.0-1.0)");
      }
      fault = fault.withProbability(probability.doubleValue());
    }
    if (body.containsKey("seed")) {
      fault = fault.withSeed(number(body, "seed"));
    }
    return fault;
  }

  private static Duration duration(JsonObject body, String field, Duration byDefault) {
    Object value = body.getValue(field);
    if (value == null && byDefault != null && !body.containsKey(field)) {
      return byDefault;
    }
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException(field + ": " + (value == null ? "missing" : "'" + value + "'")
          + " (expected: a duration such as 200ms or 2s)");
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage());
    }
  }

  private static long number(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new IllegalArgumentException(field + ": " + (value == null ? "missing" : "'" + value + "'")
          + " (expected: a whole number)");
    }
    return ((Number) value).longValue();
  }

  /** A fault as listed: its id, what it is ({@link Fault#toString()}), the connections it acted on. */
  static JsonObject json(FaultHandle handle) {
    return new JsonObject()
        .put("id", handle.id())
        .put("fault", handle.fault().toString())
        .put("connections", handle.connections());
  }

  static JsonArray json(List<FaultHandle> handles) {
    JsonArray array = new JsonArray();
    handles.forEach(handle -> array.add(json(handle)));
    return array;
  }
}
