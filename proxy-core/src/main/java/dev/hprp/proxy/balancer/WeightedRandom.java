package dev.hprp.proxy.balancer;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random indexes with probability proportional to fixed weights, in O(1): a table with one slot per unit of weight,
 * laid out once, so a draw is one random number and one array read. Weights are divided by their greatest common
 * divisor first (equal weights take one slot each); the table then holds at most 256 slots of 4 bytes per index.
 *
 * <p>Immutable and thread-safe; callers pass their thread's {@link ThreadLocalRandom}.
 */
final class WeightedRandom {

  /** Index {@code i} fills the slots from {@code firstSlot[i]} up to {@code firstSlot[i + 1]}. */
  private final int[] slots;
  /** One entry per index plus a last one, the total slot count. */
  private final int[] firstSlot;

  /** @param weights at least one, each 1 to {@code Backend.MAX_WEIGHT} */
  WeightedRandom(int[] weights) {
    int divisor = 0;
    for (int weight : weights) {
      divisor = gcd(divisor, weight);
    }
    firstSlot = new int[weights.length + 1];
    for (int i = 0; i < weights.length; i++) {
      firstSlot[i + 1] = firstSlot[i] + weights[i] / divisor;
    }
    slots = new int[firstSlot[weights.length]];
    for (int i = 0; i < weights.length; i++) {
      Arrays.fill(slots, firstSlot[i], firstSlot[i + 1], i);
    }
  }

  /** An index drawn with probability weight / total. */
  int pick(ThreadLocalRandom random) {
    return slots[random.nextInt(slots.length)];
  }

  /**
   * An index other than {@code excluded}, drawn with probability weight / (total - weight of excluded): a slot drawn
   * from the table with the excluded span cut out, so one draw suffices and no retry loop is needed. Needs at least
   * two indexes.
   */
  int pickOther(ThreadLocalRandom random, int excluded) {
    int spanStart = firstSlot[excluded];
    int spanLength = firstSlot[excluded + 1] - spanStart;
    int slot = random.nextInt(slots.length - spanLength);
    return slots[slot >= spanStart ? slot + spanLength : slot];
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int r = a % b;
      a = b;
      b = r;
    }
    return a;
  }
}
