package dev.hprp.launcher;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.discovery.BackendDiscovery;
import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import dev.hprp.proxy.Ranges;
import dev.hprp.proxy.ReverseProxyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --config} file: a YAML mapping whose keys are the command's long flags without their dashes
 * ({@code port: 8080}, {@code health-check: http:/health}), read with SnakeYAML Engine, whose nodes carry the line
 * each error names. Generic over the command's options: a flag added to the command has its key at once.
 *
 * <p>A key's value is what the flag would take, as text: a scalar, or a list of scalars, which stands for the flag's
 * comma-separated list. {@code backends} also takes maps, so that a backend can have a connection limit of its own:
 * {@code {address: "10.0.0.1:3001", weight: 2, max-connections: 50}}.
 *
 * <p>Every error is one line naming the file, the line and the key path, then what was expected, as the command's
 * flags' errors do: {@code hprp.yaml:12: backends[2].weight: 0 (expected: 1-256)}; list items are numbered from 0.
 * Immutable once read.
 */
final class ConfigFile {

  /** The key of the backends, which takes maps as well as {@code host:port[:weight]} strings. */
  static final String BACKENDS = "backends";
  /** The keys of a backend written as a map. */
  private static final String ADDRESS = "address";
  private static final String WEIGHT = "weight";
  private static final String MAX_CONNECTIONS = "max-connections";
  private static final List<String> BACKEND_KEYS = List.of(ADDRESS, WEIGHT, MAX_CONNECTIONS);
  /** Options that are about the command itself, not the proxy: a file cannot give them. */
  private static final Set<String> COMMAND_ONLY = Set.of("config", "help", "version");

  /**
   * One setting of the file.
   *
   * @param key  as written in the file
   * @param text the flag's value it stands for
   * @param line 1-based
   */
  record Entry(String key, String text, int line) {
  }

  private final String name;
  /** By the option's long name ({@code --port}). */
  private final Map<String, Entry> entries;
  /** Backend id to its own connection limit, for the backends of the file that have one. */
  private final Map<String, Integer> backendLimits;

  private ConfigFile(String name, Map<String, Entry> entries, Map<String, Integer> backendLimits) {
    this.name = name;
    this.entries = entries;
    this.backendLimits = backendLimits;
  }

  /**
   * Reads and checks {@code path} against the options of {@code spec}: every key must name one, every value must
   * have the right shape. The values themselves are checked where the flags' are, by the command.
   *
   * @throws ConfigException naming the file, line and key
   */
  static ConfigFile read(Path path, CommandSpec spec) {
    String name = path.toString();
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new ConfigException(name + ": cannot read it: no such file");
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot read it: " + e.getMessage());
    }
    Optional<Node> root;
    try {
      root = new Compose(LoadSettings.builder().setLabel(name).build()).composeString(text);
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().or(e::getContextMark).map(mark -> mark.getLine() + 1).orElse(1);
      throw new ConfigException(name + ":" + line + ": not valid YAML: " + e.getProblem());
    } catch (YamlEngineException e) {
      throw new ConfigException(name + ": not valid YAML: " + e.getMessage());
    }
    if (root.isEmpty()) {
      return new ConfigFile(name, Map.of(), Map.of());
    }
    return new Reader(name, spec).read(root.get());
  }

  /** The file as named on the command line. */
  String name() {
    return name;
  }

  /** Whether the file sets option {@code longName} ({@code --port}). */
  boolean has(String longName) {
    return entries.containsKey(longName);
  }

  /** What the file gives option {@code longName} as the flag's text; null when it does not set it. */
  String text(String longName) {
    Entry entry = entries.get(longName);
    return entry == null ? null : entry.text();
  }

  /** Where the file sets {@code longName}, as {@code hprp.yaml:12: port}. */
  String where(String longName) {
    Entry entry = entries.get(longName);
    return name + ":" + entry.line() + ": " + entry.key();
  }

  /** The connection limits the file gives backends of its own, by backend id. */
  Map<String, Integer> backendLimits() {
    return backendLimits;
  }

  /** A mistake in the file; the message is the one line to show. */
  static final class ConfigException extends RuntimeException {
    ConfigException(String message) {
      super(message, null, false, false);
    }
  }

  /** One reading of a file. */
  private static final class Reader {

    private final String name;
    /** Option long names by key. */
    private final Map<String, OptionSpec> options = new LinkedHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Integer> backendLimits = new HashMap<>();

    Reader(String name, CommandSpec spec) {
      this.name = name;
      for (OptionSpec option : spec.options()) {
        String key = option.longestName().replaceFirst("^--", "");
        if (!COMMAND_ONLY.contains(key)) {
          options.put(key, option);
        }
      }
    }

    ConfigFile read(Node root) {
      if (!(root instanceof MappingNode mapping)) {
        throw error(root, "(top)", "a " + kind(root) + " (expected: a mapping of keys such as port: 8080)");
      }
      for (NodeTuple tuple : mapping.getValue()) {
        String key = keyOf(tuple);
        OptionSpec option = options.get(key);
        if (option == null) {
          throw error(tuple.getKeyNode(), key, "unknown key" + suggestion(key, options.keySet()));
        }
        if (entries.containsKey(option.longestName())) {
          throw error(tuple.getKeyNode(), key, "given twice (first on line "
              + entries.get(option.longestName()).line() + ")");
        }
        Node value = tuple.getValueNode();
        String text = key.equals(BACKENDS) ? backends(value) : text(key, value);
        entries.put(option.longestName(), new Entry(key, text, line(tuple.getKeyNode())));
      }
      return new ConfigFile(name, Map.copyOf(entries), Map.copyOf(backendLimits));
    }

    /** A scalar as written, or a list of scalars joined with commas as the flag would take them. */
    private String text(String key, Node value) {
      if (value instanceof ScalarNode scalar) {
        return scalar(key, scalar);
      }
      if (value instanceof SequenceNode sequence) {
        List<String> items = new ArrayList<>();
        List<Node> nodes = sequence.getValue();
        for (int i = 0; i < nodes.size(); i++) {
          String path = key + "[" + i + "]";
          if (!(nodes.get(i) instanceof ScalarNode scalar)) {
            throw error(nodes.get(i), path, "a " + kind(nodes.get(i)) + " (expected: a value)");
          }
          items.add(scalar(path, scalar));
        }
        if (items.isEmpty()) {
          throw error(value, key, "an empty list (expected: at least one value)");
        }
        return String.join(",", items);
      }
      throw error(value, key, "a " + kind(value) + " (expected: a value such as the flag --" + key + " takes)");
    }

    private String scalar(String path, ScalarNode scalar) {
      if (scalar.getTag().equals(Tag.NULL)) {
        throw error(scalar, path, "no value (expected: a value such as the flag takes)");
      }
      return scalar.getValue();
    }

    /**
     * The backends as the flag takes them ({@code host:port[:weight]}, {@code dns:NAME:PORT}, {@code srv:NAME},
     * comma-separated), each checked, with their own limits noted.
     */
    private String backends(Node value) {
      if (!(value instanceof SequenceNode sequence)) {
        return text(BACKENDS, value); // one string, as the flag takes it
      }
      List<String> entries = new ArrayList<>();
      Map<String, Integer> seen = new HashMap<>();
      List<Node> items = sequence.getValue();
      if (items.isEmpty()) {
        throw error(value, BACKENDS, "an empty list (expected: at least one backend)");
      }
      for (int i = 0; i < items.size(); i++) {
        String path = BACKENDS + "[" + i + "]";
        Node item = items.get(i);
        String entry;
        String id;
        if (item instanceof MappingNode map) {
          Backend backend = backendMap(path, map);
          entry = backend.toString();
          id = backend.id();
        } else if (item instanceof ScalarNode scalar) {
          String text = scalar(path, scalar).strip();
          Backend backend = fixed(text);
          entry = backend != null ? backend.toString() : dnsEntry(item, path, text);
          id = backend != null ? backend.id() : entry;
        } else {
          throw error(item, path, "a " + kind(item) + " (expected: host:port[:weight], dns:NAME:PORT, srv:NAME, or "
              + "a map with address, weight and max-connections)");
        }
        Integer first = seen.putIfAbsent(id, i);
        if (first != null) {
          throw error(item, path, id + " is listed twice (first as " + BACKENDS + "[" + first + "])");
        }
        entries.add(entry);
      }
      return String.join(",", entries);
    }

    /** A fixed backend, {@code host:port[:weight]}; null when {@code text} is not one. */
    private static Backend fixed(String text) {
      try {
        return Backend.parse(text);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }

    /** A {@code dns:} or {@code srv:} entry, checked as the flag checks it; refused naming its path when not one. */
    private String dnsEntry(Node node, String path, String text) {
      try {
        BackendDiscovery.parseList(text, new DnsDiscoveryOptions());
        return text;
      } catch (IllegalArgumentException e) {
        throw error(node, path, e.getMessage());
      }
    }

    private Backend backendMap(String path, MappingNode map) {
      Map<String, Node> values = new LinkedHashMap<>();
      for (NodeTuple tuple : map.getValue()) {
        String key = keyOf(tuple);
        if (!BACKEND_KEYS.contains(key)) {
          throw error(tuple.getKeyNode(), path + "." + key, "unknown key" + suggestion(key, BACKEND_KEYS));
        }
        if (values.put(key, tuple.getValueNode()) != null) {
          throw error(tuple.getKeyNode(), path + "." + key, "given twice");
        }
      }
      Node address = values.get(ADDRESS);
      if (address == null) {
        throw error(map, path, "no address (expected: address: host:port)");
      }
      Backend backend = parse(address, path + "." + ADDRESS, text(path + "." + ADDRESS, address));
      if (values.containsKey(WEIGHT)) {
        int weight = number(values.get(WEIGHT), path + "." + WEIGHT, 1, Backend.MAX_WEIGHT);
        backend = new Backend(backend.host(), backend.port(), weight);
      }
      if (values.containsKey(MAX_CONNECTIONS)) {
        backendLimits.put(backend.id(), number(values.get(MAX_CONNECTIONS), path + "." + MAX_CONNECTIONS, 0,
            ReverseProxyOptions.MAX_CONNECTIONS_LIMIT));
      }
      return backend;
    }

    private Backend parse(Node node, String path, String text) {
      try {
        return Backend.parse(text);
      } catch (IllegalArgumentException e) {
        throw error(node, path, e.getMessage());
      }
    }

    private int number(Node node, String path, int min, int max) {
      String text = text(path, node);
      int value;
      try {
        value = Integer.parseInt(text.strip());
      } catch (NumberFormatException e) {
        throw error(node, path, "'" + text + "' is not a number (expected: " + min + "-" + max + ")");
      }
      try {
        return Ranges.check(path, value, min, max);
      } catch (IllegalArgumentException e) {
        throw error(node, path, e.getMessage().substring(path.length() + 2));
      }
    }

    private String keyOf(NodeTuple tuple) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        throw error(tuple.getKeyNode(), "(key)", "a " + kind(tuple.getKeyNode()) + " as a key (expected: a name)");
      }
      return key.getValue();
    }

    private ConfigException error(Node node, String path, String detail) {
      return new ConfigException(name + ":" + line(node) + ": " + path + ": " + detail);
    }

    private static int line(Node node) {
      return node.getStartMark().map(Mark::getLine).orElse(0) + 1;
    }

    private static String kind(Node node) {
      return switch (node.getNodeType()) {
        case MAPPING -> "map";
        case SEQUENCE -> "list";
        default -> "value";
      };
    }
  }

  /** {@code " (did you mean x?)"} for the nearest of {@code known} to {@code key}, or what the keys are. */
  static String suggestion(String key, java.util.Collection<String> known) {
    Optional<String> nearest = known.stream()
        .filter(candidate -> distance(key, candidate) <= Math.max(2, key.length() / 3))
        .min(Comparator.comparingInt(candidate -> distance(key, candidate)));
    return nearest.map(candidate -> " (did you mean " + candidate + "?)")
        .orElse(" (expected one of: " + String.join(", ", known) + ")");
  }

  /** Levenshtein distance: edits (insert, delete, replace) from {@code a} to {@code b}. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(replace, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
