package dev.hprp.proxy.balancer;

import dev.hprp.proxy.Backend;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A backend named by its host ({@code a}, {@code b}, …) with an active count the test sets; helpers to pick. */
final class StubState implements BackendState {

  /** A client context for strategies that ignore the client. */
  static final SelectionContext ANY_CLIENT = client(0);

  private final Backend backend;
  private volatile int active;

  private StubState(Backend backend) {
    this.backend = backend;
  }

  /** Backends from specs {@code name} or {@code name:weight}, as {@code name:1} addresses. */
  static List<BackendState> backends(String... specs) {
    List<BackendState> result = new ArrayList<>();
    for (String spec : specs) {
      String[] parts = spec.split(":");
      int weight = parts.length > 1 ? Integer.parseInt(parts[1]) : Backend.DEFAULT_WEIGHT;
      result.add(new StubState(new Backend(parts[0], 1, weight)));
    }
    return List.copyOf(result);
  }

  /** {@code count} backends named {@code b0, b1, …}. */
  static List<BackendState> numbered(int count) {
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = "b" + i;
    }
    return backends(names);
  }

  /** A distinct client address per number, {@code 10.x.y.z}. */
  static SelectionContext client(int number) {
    String host = "10." + (number >>> 16 & 0xff) + "." + (number >>> 8 & 0xff) + "." + (number & 0xff);
    return SelectionContext.of(SocketAddress.inetSocketAddress(40000, host));
  }

  /** Sets the active count of each backend, in list order. */
  static void load(List<BackendState> states, int... active) {
    for (int i = 0; i < active.length; i++) {
      ((StubState) states.get(i)).active = active[i];
    }
  }

  /** The names of {@code count} successive picks for one client. */
  static List<String> picks(BackendSelector selector, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(selector.select(ANY_CLIENT).backend().host());
    }
    return names;
  }

  /** Each name's share of the list; names not in the list are absent. */
  static Map<String, Double> shares(List<String> names) {
    Map<String, Double> shares = new HashMap<>();
    names.forEach(name -> shares.merge(name, 1.0 / names.size(), Double::sum));
    return shares;
  }

  @Override
  public Backend backend() {
    return backend;
  }

  @Override
  public int activeConnections() {
    return active;
  }

  @Override
  public String toString() {
    return backend.host() + "(" + active + ")";
  }
}
