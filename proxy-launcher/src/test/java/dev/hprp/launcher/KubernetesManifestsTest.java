package dev.hprp.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.Durations;
import dev.hprp.proxy.ReverseProxyOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Keeps deploy/kubernetes true to the launcher and the image: every flag in the container's arguments is one of
 * {@code hprp}'s and its value is accepted, the probes reach the admin endpoint's paths on the admin port, the grace
 * period outlasts the pre-stop sleep and the drain, the JVM's memory fits the limit, the security context matches
 * the Dockerfile's user and writable {@code /tmp}, and the objects select one another.
 */
class KubernetesManifestsTest {

  private static final Path ROOT = Path.of(System.getProperty("hprp.readme", "../README.md")).toAbsolutePath()
      .getParent();
  private static final Path MANIFESTS = ROOT.resolve("deploy/kubernetes");
  /** What the JVM needs besides the heap and direct buffers (metaspace, code cache, threads), at the least. */
  private static final long JVM_OVERHEAD = 64L << 20;

  private static Map<String, Map<String, Object>> byKind;
  private static Map<String, Object> container;
  private static Map<String, String> flags;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    byKind = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(MANIFESTS)) {
      files = listing.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      try (Reader reader = Files.newBufferedReader(file)) {
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
          Map<String, Object> object = (Map<String, Object>) document;
          String key = object.get("kind") + "/" + map(object, "metadata").get("name");
          assertThat(byKind.put(key, object)).as("%s defined once", key).isNull();
        }
      }
    }
    container = asMap(list(podSpec().get("containers")).get(0));
    flags = new LinkedHashMap<>();
    for (Object arg : list(container.get("args"))) {
      String text = String.valueOf(arg);
      assertThat(text).as("args are written --flag or --flag=value, each on its own line").startsWith("--");
      int equals = text.indexOf('=');
      flags.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? null : text.substring(equals + 1));
    }
  }

  @Test
  void theManifestsHoldTheReplicasTheirServiceBudgetScalerAndAnExampleBackend() {
    assertThat(byKind).containsOnlyKeys("Deployment/hprp", "Service/hprp", "PodDisruptionBudget/hprp",
        "HorizontalPodAutoscaler/hprp", "Service/backend");
    assertThat(map(byKind.get("Deployment/hprp"), "spec").get("replicas")).isEqualTo(2);
    assertThat(container.get("image")).as("the image the Dockerfile builds, tagged with the release")
        .isEqualTo("hprp:0.1.0");
  }

  @Test
  void everyFlagIsTheLaunchersAndItsValueIsAccepted() {
    CommandSpec spec = HprpCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
        running -> 0).getCommandSpec();
    assertThat(flags.keySet()).as("flags of the manifest that hprp does not have")
        .allMatch(flag -> spec.findOption(flag) != null);

    List<String> args = new ArrayList<>();
    flags.forEach((flag, value) -> args.add(value == null ? flag : flag + "=" + value));
    Settings settings = Flags.settings(args.toArray(String[]::new));

    assertThat(settings.backends()).extracting(Object::toString)
        .containsExactly("dns:backend.default.svc.cluster.local:8080");
    assertThat(settings.admin().port()).isEqualTo(containerPort("admin"));
    assertThat(settings.admin().token()).isEqualTo("$(HPRP_ADMIN_TOKEN)");
    assertThat(settings.options().getDrainTimeout()).as("--drain-timeout").isEqualTo(settings.admin().drainTimeout());
  }

  @Test
  void probesReachTheAdminEndpointOnTheAdminPort() {
    int adminPort = containerPort("admin");
    assertThat(flags).as("--admin-port").containsEntry("--admin-port", String.valueOf(adminPort));
    assertThat(flags).containsEntry("--admin-host", "0.0.0.0");
    assertThat(flags.get("--admin-token")).as("the token comes from the Secret through the environment")
        .isEqualTo("$(HPRP_ADMIN_TOKEN)");
    assertThat(probe("startupProbe")).containsEntry("path", AdminServer.LIVENESS).containsEntry("port", "admin");
    assertThat(probe("livenessProbe")).containsEntry("path", AdminServer.LIVENESS).containsEntry("port", "admin");
    assertThat(probe("readinessProbe")).containsEntry("path", AdminServer.READINESS).containsEntry("port", "admin");
    assertThat(containerPort("proxy")).as("--port").isEqualTo(Integer.parseInt(flags.get("--port")));
  }

  @Test
  void theGracePeriodOutlastsThePreStopSleepAndTheDrain() {
    int grace = (int) podSpec().get("terminationGracePeriodSeconds");
    List<Object> preStop = list(map(map(map(container, "lifecycle"), "preStop"), "exec").get("command"));
    assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
    Duration sleep = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(1))));
    Duration drain = flags.containsKey("--drain-timeout") ? Durations.parse(flags.get("--drain-timeout"))
        : ReverseProxyOptions.DEFAULT_DRAIN_TIMEOUT;

    assertThat(Duration.ofSeconds(grace)).as("terminationGracePeriodSeconds against sleep %s + drain %s", sleep, drain)
        .isGreaterThan(sleep.plus(drain));
  }

  @Test
  void theJvmHeapAndDirectMemoryFitTheMemoryLimit() throws IOException {
    Map<String, Object> resources = map(container, "resources");
    long limit = bytes(map(resources, "limits").get("memory"));
    assertThat(bytes(map(resources, "requests").get("memory"))).as("memory requested as limited").isEqualTo(limit);
    assertThat(map(resources, "requests")).as("a CPU request, which the autoscaler measures against")
        .containsKey("cpu");
    // The heap options are the start script's, which the image runs; the environment must not override them.
    assertThat(env("JAVA_TOOL_OPTIONS")).doesNotContain("-Xmx", "-Xms", "-Xmn", "MaxRAMPercentage",
        "MaxDirectMemorySize");
    assertThat(Files.readString(ROOT.resolve("Dockerfile"))).contains("ENTRYPOINT [\"/app/bin/hprp\"]");
    String script = Files.readString(ROOT.resolve("bin/hprp"));
    String options = find(script, "(?m)^heap=\"([^\"]*)\"$");
    assertThat(options).doesNotContain("-Xmx", "MaxDirectMemorySize").contains("-XX:+ExitOnOutOfMemoryError");

    double percent = Double.parseDouble(find(options, "-XX:MaxRAMPercentage=([0-9.]+)"));
    long heap = (long) (limit * percent / 100);
    // Netty's direct buffers are bounded by the JVM's direct memory limit, which is the heap's maximum by default.
    assertThat(2 * heap + JVM_OVERHEAD).as("heap %d + direct %d + JVM %d within the limit %d", heap, heap,
        JVM_OVERHEAD, limit).isLessThanOrEqualTo(limit);
    // The manifest runs TCP mode: the script's first young generation, not HTTP mode's.
    assertThat(parseSize(find(find(script, "(?m)^young=\"([^\"]*)\"$"), "-Xmn([0-9]+[kmg]?)")))
        .as("young generation within the heap").isLessThan(heap / 2);
    assertThat(dockerfileToolOptions()).as("the image's own JVM options, which the manifest restates")
        .isEqualTo(env("JAVA_TOOL_OPTIONS"));
  }

  @Test
  void theContainerRunsAsTheImagesUserOnAReadOnlyRootWithAWritableTmp() throws IOException {
    Map<String, Object> pod = map(podSpec(), "securityContext");
    Map<String, Object> own = map(container, "securityContext");
    Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Files.readString(ROOT.resolve("Dockerfile")));
    assertThat(user.find()).as("the Dockerfile's USER is numeric, so runAsNonRoot can check it").isTrue();

    assertThat(pod).containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", Integer.parseInt(user.group(1)))
        .containsEntry("runAsGroup", Integer.parseInt(user.group(2)));
    assertThat(own).containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false);
    String tmpdir = find(env("JAVA_TOOL_OPTIONS"), "-Djava.io.tmpdir=(\\S+)");
    Map<String, Object> mount = list(container.get("volumeMounts")).stream().map(KubernetesManifestsTest::asMap)
        .filter(m -> tmpdir.equals(m.get("mountPath"))).findFirst().orElse(null);
    assertThat(mount).as("a volume at java.io.tmpdir %s", tmpdir).isNotNull();
    assertThat(list(podSpec().get("volumes")).stream().map(KubernetesManifestsTest::asMap)
        .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow())
        .as("the temporary directory is an emptyDir").containsKey("emptyDir");
  }

  @Test
  void theServiceBudgetAndScalerSelectTheReplicasAndTheBackendIsHeadlessOnTheDnsEntry() {
    Map<String, Object> deployment = byKind.get("Deployment/hprp");
    Map<String, Object> labels = map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels");
    assertThat(map(map(deployment, "spec"), "selector").get("matchLabels")).isEqualTo(labels);
    assertThat(map(byKind.get("Service/hprp"), "spec").get("selector")).isEqualTo(labels);
    assertThat(map(map(byKind.get("PodDisruptionBudget/hprp"), "spec"), "selector").get("matchLabels"))
        .isEqualTo(labels);
    assertThat(map(map(byKind.get("HorizontalPodAutoscaler/hprp"), "spec"), "scaleTargetRef"))
        .containsEntry("kind", "Deployment").containsEntry("name", "hprp");
    assertThat(list(map(byKind.get("Service/hprp"), "spec").get("ports")).stream().map(KubernetesManifestsTest::asMap)
        .map(p -> p.get("targetPort"))).containsExactly("proxy");

    Map<String, Object> backend = byKind.get("Service/backend");
    assertThat(map(backend, "spec")).containsEntry("clusterIP", "None");
    String dnsName = backend.get("metadata") instanceof Map<?, ?> meta
        ? meta.get("name") + "." + meta.get("namespace") + ".svc.cluster.local" : null;
    int port = (int) asMap(list(map(backend, "spec").get("ports")).get(0)).get("port");
    assertThat(flags.get("--backends")).isEqualTo("dns:" + dnsName + ":" + port);
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(byKind.get("Deployment/hprp"), "spec"), "template"), "spec");
  }

  private static int containerPort(String name) {
    return list(container.get("ports")).stream().map(KubernetesManifestsTest::asMap)
        .filter(port -> name.equals(port.get("name"))).map(port -> (int) port.get("containerPort")).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  private static Map<String, Object> probe(String kind) {
    return map(map(container, kind), "httpGet");
  }

  private static String env(String name) {
    return list(container.get("env")).stream().map(KubernetesManifestsTest::asMap)
        .filter(variable -> name.equals(variable.get("name"))).map(variable -> String.valueOf(variable.get("value")))
        .findFirst().orElseThrow(() -> new AssertionError("no environment variable " + name));
  }

  private static String dockerfileToolOptions() throws IOException {
    return find(Files.readString(ROOT.resolve("Dockerfile")), "(?m)^ENV JAVA_TOOL_OPTIONS=\"([^\"]*)\"$");
  }

  private static String find(String text, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    assertThat(matcher.find()).as("%s in %s", regex, text).isTrue();
    return matcher.group(1);
  }

  /** A Kubernetes memory quantity such as {@code 512Mi} or {@code 1Gi}, in bytes. */
  private static long bytes(Object quantity) {
    Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)").matcher(String.valueOf(quantity));
    assertThat(m.matches()).as("memory quantity %s in Ki, Mi or Gi", quantity).isTrue();
    int shift = switch (m.group(2)) {
      case "Ki" -> 10;
      case "Mi" -> 20;
      default -> 30;
    };
    return Long.parseLong(m.group(1)) << shift;
  }

  /** A JVM size such as {@code 32m}, in bytes. */
  private static long parseSize(String size) {
    char unit = size.charAt(size.length() - 1);
    String digits = Character.isDigit(unit) ? size : size.substring(0, size.length() - 1);
    int shift = switch (unit) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 0;
    };
    return Long.parseLong(digits) << shift;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    assertThat(parent).containsKey(key);
    return asMap(parent.get(key));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
