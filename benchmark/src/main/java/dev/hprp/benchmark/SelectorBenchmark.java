package dev.hprp.benchmark;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.balancer.BackendSelector;
import dev.hprp.proxy.balancer.BackendState;
import dev.hprp.proxy.balancer.Balancer;
import dev.hprp.proxy.balancer.SelectionContext;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link BackendSelector#select} per operation, as the proxy does once per accepted connection: every built-in
 * balancer, over 3 and 100 backends, with equal or mixed weights.
 *
 * <p>Backends carry fixed active counts (0-99, seeded) so the load-based strategies compare real numbers; clients
 * cycle through 1,024 distinct addresses, and {@code clientHost()} formats each one as the proxy's relay would, so
 * the consistent-hash figure includes building its key. The selector is shared by all benchmark threads: run with
 * {@code -t 2} to see what the shared round-robin counter costs under contention.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SelectorBenchmark {

  private static final int CLIENTS = 1024;

  /** The snapshot and its selector, built once per trial and shared by every thread. */
  @State(Scope.Benchmark)
  public static class Snapshot {

    /** A balancer by its {@code --balancer} name. */
    @Param({"round-robin", "least-connections", "random", "power-of-two", "consistent-hash"})
    public String balancer;

    @Param({"3", "100"})
    public int backends;

    /** {@code equal}: every weight 1; {@code mixed}: weights 1-10 (seeded), the weighted code paths. */
    @Param({"equal", "mixed"})
    public String weights;

    BackendSelector selector;
    final SelectionContext[] clients = new SelectionContext[CLIENTS];

    @Setup
    public void build() {
      Random random = new Random(42);
      List<BackendState> states = new ArrayList<>(backends);
      for (int i = 0; i < backends; i++) {
        int weight = weights.equals("mixed") ? 1 + random.nextInt(10) : Backend.DEFAULT_WEIGHT;
        states.add(new Loaded(new Backend("10.1." + i / 256 + "." + i % 256, 8080, weight), random.nextInt(100)));
      }
      selector = byName(balancer).newSelector(List.copyOf(states));
      for (int i = 0; i < CLIENTS; i++) {
        String host = "192.168." + i / 256 + "." + i % 256;
        clients[i] = SelectionContext.of(SocketAddress.inetSocketAddress(40000 + i, host));
      }
    }

    private static Balancer byName(String name) {
      return Stream.of(Balancer.roundRobin(), Balancer.leastConnections(), Balancer.random(),
              Balancer.powerOfTwoChoices(), Balancer.consistentHash())
          .filter(b -> b.toString().equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("balancer: " + name));
    }
  }

  /** A backend with a fixed load. */
  record Loaded(Backend backend, int activeConnections) implements BackendState {
  }

  /** This thread's position in the client list. */
  private int next;

  @Benchmark
  public BackendState select(Snapshot snapshot) {
    return snapshot.selector.select(snapshot.clients[next++ & (CLIENTS - 1)]);
  }
}
