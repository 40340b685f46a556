package dev.hprp.proxy.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Frequencies over 100,000 draws; tolerances are at least 6 standard deviations. */
class WeightedRandomTest {

  private static final int DRAWS = 100_000;

  @Test
  void pickFollowsWeights() {
    double[] frequencies = frequencies(new WeightedRandom(new int[] {1, 2, 3, 4}), 4, -1);

    assertThat(frequencies[0]).isCloseTo(0.1, within(0.006));
    assertThat(frequencies[1]).isCloseTo(0.2, within(0.008));
    assertThat(frequencies[2]).isCloseTo(0.3, within(0.009));
    assertThat(frequencies[3]).isCloseTo(0.4, within(0.01));
  }

  @Test
  void pickOtherNeverReturnsTheExcludedAndFollowsTheRemainingWeights() {
    WeightedRandom sampler = new WeightedRandom(new int[] {1, 2, 3, 4});

    for (int excluded = 0; excluded < 4; excluded++) {
      double[] frequencies = frequencies(sampler, 4, excluded);
      int remaining = 10 - (excluded + 1);
      for (int i = 0; i < 4; i++) {
        double expected = i == excluded ? 0 : (i + 1) / (double) remaining;
        assertThat(frequencies[i]).as("index %d with %d excluded", i, excluded).isCloseTo(expected, within(0.01));
      }
    }
  }

  @Test
  void pickOtherIsUniformOverTheRestWhenWeightsAreEqual() {
    double[] frequencies = frequencies(new WeightedRandom(new int[] {7, 7, 7, 7, 7}), 5, 2);

    assertThat(frequencies).containsExactly(new double[] {0.25, 0.25, 0, 0.25, 0.25}, within(0.01));
  }

  /** How often each of {@code size} indexes comes out of {@code pick} (excluded < 0) or {@code pickOther(excluded)}. */
  private static double[] frequencies(WeightedRandom sampler, int size, int excluded) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    double[] frequencies = new double[size];
    for (int i = 0; i < DRAWS; i++) {
      frequencies[excluded < 0 ? sampler.pick(random) : sampler.pickOther(random, excluded)] += 1.0 / DRAWS;
    }
    return frequencies;
  }
}
