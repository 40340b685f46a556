package dev.hprp.proxy.testing;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Prometheus scrape read back two ways: the protobuf exposition parsed by the Prometheus client's own generated
 * classes, and the text exposition (format 0.0.4) parsed line by line as its specification says. Neither the
 * Prometheus Java client nor Micrometer ships a parser of the text format, only writers; the text parser here checks
 * the grammar strictly (any line it cannot read fails the test) and {@link #sameSamplesAs} ties it to the client's
 * protobuf reading.
 */
public final class PrometheusScrape {

  /** The protobuf exposition format Prometheus asks for; the client's writer answers it. */
  public static final String PROTOBUF =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

  /** One sample of the text format. */
  public record Sample(String name, Map<String, String> labels, double value) {
  }

  private final Map<String, Metrics.MetricFamily> families = new LinkedHashMap<>();

  private PrometheusScrape() {
  }

  /** Parses a protobuf exposition (length-delimited MetricFamily messages). */
  public static PrometheusScrape ofProtobuf(byte[] body) {
    PrometheusScrape scrape = new PrometheusScrape();
    ByteArrayInputStream in = new ByteArrayInputStream(body);
    try {
      Metrics.MetricFamily family;
      while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
        scrape.families.put(family.getName(), family);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return scrape;
  }

  /** The family named {@code name} as the protobuf format names it; throws when absent. */
  public Metrics.MetricFamily family(String name) {
    Metrics.MetricFamily family = families.get(name);
    if (family == null) {
      throw new AssertionError("no metric family " + name + " in " + families.keySet());
    }
    return family;
  }

  /** Every family name. */
  public java.util.Set<String> names() {
    return families.keySet();
  }

  /** The metric of family {@code name} whose label {@code label} is {@code value}, or null. */
  public Metrics.Metric metric(String name, String label, String value) {
    for (Metrics.Metric metric : family(name).getMetricList()) {
      for (Metrics.LabelPair pair : metric.getLabelList()) {
        if (pair.getName().equals(label) && pair.getValue().equals(value)) {
          return metric;
        }
      }
    }
    return null;
  }

  /** The metric of family {@code name} whose labels include every one of {@code labels}, or null. */
  public Metrics.Metric metric(String name, Map<String, String> labels) {
    for (Metrics.Metric metric : family(name).getMetricList()) {
      Map<String, String> present = new HashMap<>();
      metric.getLabelList().forEach(pair -> present.put(pair.getName(), pair.getValue()));
      if (present.entrySet().containsAll(labels.entrySet())) {
        return metric;
      }
    }
    return null;
  }

  /** The value of a counter or gauge family's one metric with {@code backend} as label (or no label when null). */
  public double value(String name, String backend) {
    Metrics.MetricFamily family = family(name);
    Metrics.Metric metric = backend == null ? family.getMetric(0) : metric(name, "backend", backend);
    if (metric == null) {
      throw new AssertionError("no " + name + " for backend " + backend);
    }
    return family.getType() == Metrics.MetricType.COUNTER ? metric.getCounter().getValue()
        : metric.getGauge().getValue();
  }

  /**
   * Parses a text exposition, format 0.0.4, and checks each of HPRP's counter and gauge samples against this
   * (protobuf) scrape: same names, labels and values. Histograms are checked by their {@code _count}.
   *
   * @return the text's samples, in order
   * @throws AssertionError naming the line the grammar refuses, or the sample that differs
   */
  public List<Sample> sameSamplesAs(String text) {
    Map<String, String> types = new HashMap<>();
    List<Sample> samples = new ArrayList<>();
    int lineNumber = 0;
    for (String line : text.split("\n", -1)) {
      lineNumber++;
      if (line.isEmpty()) {
        continue;
      }
      try {
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.substring(7).split(" ");
          if (parts.length != 2 || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[1])
              || types.put(checkName(parts[0]), parts[1]) != null) {
            throw new IllegalArgumentException("bad or repeated TYPE");
          }
        } else if (line.startsWith("# ")) {
          continue; // HELP and other comments
        } else {
          samples.add(parseSample(line));
        }
      } catch (RuntimeException e) {
        throw new AssertionError("line " + lineNumber + " is not Prometheus text format (" + e.getMessage() + "): "
            + line, e);
      }
    }
    for (Sample sample : samples) {
      if (!sample.name().startsWith("hprp_")) {
        continue; // the JVM's meters move between the two scrapes; their grammar was checked above
      }
      String family = familyOf(sample.name(), types);
      String type = types.get(family);
      if (type == null) {
        throw new AssertionError("sample " + sample.name() + " has no TYPE line");
      }
      Metrics.Metric metric = find(family.equals(sample.name()) && type.equals("counter") ? family + "_total"
          : family, sample.labels());
      if (type.equals("counter") || type.equals("gauge")) {
        double expected = type.equals("counter") ? metric.getCounter().getValue() : metric.getGauge().getValue();
        if (Double.compare(expected, sample.value()) != 0) {
          throw new AssertionError(sample + ": protobuf says " + expected);
        }
      } else if (type.equals("histogram") && sample.name().endsWith("_count")
          && metric.getHistogram().getSampleCount() != (long) sample.value()) {
        throw new AssertionError(sample + ": protobuf says " + metric.getHistogram().getSampleCount());
      }
    }
    return samples;
  }

  private Metrics.Metric find(String family, Map<String, String> labels) {
    Metrics.MetricFamily found = families.get(family);
    if (found == null) {
      found = families.get(family.endsWith("_total") ? family.substring(0, family.length() - 6) : family + "_total");
    }
    if (found == null) {
      throw new AssertionError("text has " + family + ", protobuf has not: " + families.keySet());
    }
    for (Metrics.Metric metric : found.getMetricList()) {
      Map<String, String> those = new HashMap<>();
      metric.getLabelList().forEach(pair -> those.put(pair.getName(), pair.getValue()));
      Map<String, String> wanted = new HashMap<>(labels);
      wanted.remove("le");
      if (those.equals(wanted)) {
        return metric;
      }
    }
    throw new AssertionError("text has " + family + labels + ", protobuf has not");
  }

  /** The family a sample belongs to: its name, or without the histogram or counter suffix. */
  private static String familyOf(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_total")) {
      if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  /** {@code name{label="value",...} value [timestamp]}, label values with the \\, \" and \n escapes. */
  private static Sample parseSample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = checkName(line.substring(0, i));
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String label = checkName(line.substring(i, eq));
        if (line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException("label value not quoted");
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (char c = line.charAt(j); c != '"'; c = line.charAt(++j)) {
          if (c == '\\') {
            char escaped = line.charAt(++j);
            value.append(switch (escaped) {
              case '\\' -> '\\';
              case '"' -> '"';
              case 'n' -> '\n';
              default -> throw new IllegalArgumentException("bad escape \\" + escaped);
            });
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new IllegalArgumentException("label " + label + " twice");
        }
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        } else if (line.charAt(i) != '}') {
          throw new IllegalArgumentException("expected , or }");
        }
      }
      i++;
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length > 2) {
      throw new IllegalArgumentException("trailing text");
    }
    if (rest.length == 2) {
      Long.parseLong(rest[1]); // timestamp
    }
    return new Sample(name, labels, switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(rest[0]);
    });
  }

  /** A metric or label name: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  private static String checkName(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty name");
    }
    for (int k = 0; k < name.length(); k++) {
      char c = name.charAt(k);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
      if (!letter && !(k > 0 && c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("bad name '" + name + "'");
      }
    }
    return name;
  }
}
