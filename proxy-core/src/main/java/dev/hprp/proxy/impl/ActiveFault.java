package dev.hprp.proxy.impl;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.fault.FaultHandle;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault added to a proxy, and its counters: which connections it meets, how many it acted on.
 *
 * <p>Thread-safe: connections on every event loop meet it at once; its counters are atomic and its fields final,
 * but for the removal's future, set once under the {@link FaultRegistry}'s lock.
 */
public final class ActiveFault implements FaultHandle {

  private static final Logger log = LoggerFactory.getLogger(ActiveFault.class);

  /** What {@link #meet} returns for a connection the fault leaves alone. */
  public static final long PASSES = -1;

  private final FaultRegistry registry;
  private final String id;
  private final Fault fault;
  /** Connections met so far: the index of each draw, so a seed gives each connection the same draw every run. */
  private final AtomicLong draws = new AtomicLong();
  private final AtomicLong acted = new AtomicLong();
  /** {@link Fault.RefuseFirst}: connections refused so far, at most its count. */
  private final AtomicInteger refused = new AtomicInteger();
  private Future<Void> removal;

  ActiveFault(FaultRegistry registry, String id, Fault fault) {
    this.registry = registry;
    this.id = id;
    this.fault = fault;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Fault fault() {
    return fault;
  }

  /** Shortcut for {@code fault().effect()}. */
  public Fault.Effect effect() {
    return fault.effect();
  }

  @Override
  public long connections() {
    return acted.get();
  }

  @Override
  public Future<Void> remove() {
    return registry.remove(this);
  }

  /** Guarded by the registry's lock: the removal's future once removal began, else null. */
  Future<Void> removal() {
    return removal;
  }

  void removal(Future<Void> removal) {
    this.removal = removal;
  }

  /** Whether the fault is limited to connections of a backend other than {@code backend}. */
  public boolean otherBackend(Backend backend) {
    return fault.backendId() != null && !fault.backendId().equals(backend.id());
  }

  /**
   * The fault meets a connection for the first time: decides, once for that connection, whether it acts on it. The
   * backend must be one the fault is not limited away from ({@link #otherBackend}).
   *
   * @return the connection's draw index (0 or more), which seeds any randomness the fault needs for it, when the
   *     fault acts on it; {@link #PASSES} when its condition or its probability leaves the connection alone
   */
  public long meet(SocketAddress clientAddress, Backend backend) {
    if (fault.condition() != null && !accepts(clientAddress, backend)) {
      return PASSES;
    }
    long draw = draws.getAndIncrement();
    if (fault.probability() < 1.0 && uniform(fault.seed(), draw) >= fault.probability()) {
      return PASSES;
    }
    return draw;
  }

  private boolean accepts(SocketAddress clientAddress, Backend backend) {
    try {
      return fault.condition().test(new Fault.Connection(clientAddress, backend));
    } catch (RuntimeException e) {
      log.warn("fault {} ({}): its condition failed on {} -> {}; left out", id, fault, clientAddress, backend, e);
      return false;
    }
  }

  /**
   * {@link Fault.RefuseFirst}: takes one of its refusals for a connection it acts on.
   *
   * @return false once they are all taken
   */
  public boolean takeRefusal() {
    int limit = ((Fault.RefuseFirst) fault.effect()).connections();
    int before = refused.getAndUpdate(n -> n < limit ? n + 1 : n);
    return before < limit;
  }

  /** Counts a connection it acted on. */
  public void acted() {
    acted.incrementAndGet();
  }

  /**
   * The {@code index}-th number of a sequence seeded by {@code seed}, uniform in {@code [0, 1)}: SplittableRandom's
   * mixing of the {@code index + 1}-th step, so any draw is computed without the ones before it.
   */
  public static double uniform(long seed, long index) {
    return (mix(seed + (index + 1) * 0x9e3779b97f4a7c15L) >>> 11) * 0x1.0p-53;
  }

  /** A seed of its own for the {@code index}-th connection's sequence, derived from {@code seed}. */
  public static long seedFor(long seed, long index) {
    return mix(seed ^ mix(index + 0x632be59bd9b4e019L));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return id + " " + fault;
  }
}
