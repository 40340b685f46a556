package dev.hprp.proxy.balancer;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Function;

/**
 * Consistent hashing on a ring (ketama-style): a key maps to the first virtual node at or after its hash, going
 * round; each backend owns {@value #NODES_PER_WEIGHT} virtual nodes per unit of weight.
 *
 * <p>A node's position is the hash of {@code id() + "#" + i}, never of the backend's place in the list, so a
 * snapshot that loses or gains one backend keeps every other node where it was: only the keys of the removed backend
 * move (spread over the others), or only about 1/(n+1) of the keys move (to the new one). Nothing depends on the
 * order of the backends either, so proxies given the same set, in any order, map every key to the same backend.
 *
 * <p>The ring is one sorted {@code long[]} built per snapshot: 8 bytes per node, 1,280 bytes per unit of weight, and
 * a hash per node plus a sort to build (about a millisecond for 10 backends of weight 1, but some 4 million nodes,
 * 33 MB and a good fraction of a second for 100 backends of the maximum weight 256). A pick hashes the key (linear in
 * its length) and binary-searches the ring, O(log nodes), no lock. The hash is FNV-1a over the key's UTF-16 units
 * finished by MurmurHash3's 64-bit mix: cheap, non-cryptographic, stable across JVMs and releases, so a key keeps its
 * backend across restarts too.
 */
final class ConsistentHashBalancer extends BuiltInBalancer {

  /** Virtual nodes per unit of weight; ketama's figure, which keeps each backend's share within a few percent. */
  private static final int NODES_PER_WEIGHT = 160;
  /**
   * A ring node packs its position (the hash's high 44 bits) with its owner's index (the low 20 bits), so that one
   * primitive sort orders the ring and no parallel array is needed; nodes with equal positions order by index.
   */
  private static final int OWNER_BITS = 20;
  private static final long OWNER_MASK = (1L << OWNER_BITS) - 1;
  /**
   * 2^24 nodes (128 MiB): far above any sane backend list (100 backends of weight 256 take 4.1 million), and low
   * enough that owner indexes fit in {@link #OWNER_BITS}.
   */
  private static final long MAX_NODES = 1L << 24;

  static final ConsistentHashBalancer BY_CLIENT_HOST = new ConsistentHashBalancer(SelectionContext::clientHost);

  private final Function<SelectionContext, String> key;

  ConsistentHashBalancer(Function<SelectionContext, String> key) {
    this.key = key;
  }

  @Override
  BackendSelector selectorOver(BackendState[] states) {
    // By id, so that two nodes at one position (rare: 44-bit positions) resolve the same way whatever the order the
    // backends were configured or discovered in: replicas given one set in different orders pick alike.
    Arrays.sort(states, Comparator.comparing(state -> state.backend().id()));
    long[] ring = ring(states);
    return context -> {
      String k = key.apply(context);
      long position = hash(k == null ? "" : k) & ~OWNER_MASK;
      int at = Arrays.binarySearch(ring, position);
      if (at < 0) {
        at = -at - 1;
      }
      // Past the last node the ring wraps to the first.
      return states[(int) (ring[at == ring.length ? 0 : at] & OWNER_MASK)];
    };
  }

  private static long[] ring(BackendState[] states) {
    long nodes = 0;
    for (BackendState state : states) {
      nodes += (long) NODES_PER_WEIGHT * state.backend().weight();
    }
    if (nodes > MAX_NODES) {
      throw new IllegalArgumentException("consistent-hash: " + states.length + " backends need " + nodes
          + " ring nodes (expected: at most " + MAX_NODES + "; lower the weights)");
    }
    long[] ring = new long[(int) nodes];
    int next = 0;
    StringBuilder name = new StringBuilder();
    for (int owner = 0; owner < states.length; owner++) {
      name.setLength(0);
      name.append(states[owner].backend().id()).append('#');
      int prefix = name.length();
      int count = NODES_PER_WEIGHT * states[owner].backend().weight();
      for (int i = 0; i < count; i++) {
        name.setLength(prefix);
        name.append(i);
        ring[next++] = (hash(name) & ~OWNER_MASK) | owner;
      }
    }
    Arrays.sort(ring);
    return ring;
  }

  /** FNV-1a 64 over UTF-16 units, then MurmurHash3's fmix64 so that every input bit reaches the high bits. */
  static long hash(CharSequence text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  @Override
  public String toString() {
    return "consistent-hash";
  }
}
