package dev.hprp.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShareTest {

  @Test
  void eventLoopsSharesAddUpToThePoolSize() {
    assertThat(new int[] {ReverseProxyImpl.share(64, 2, 0), ReverseProxyImpl.share(64, 2, 1)}).containsExactly(32, 32);
    assertThat(new int[] {ReverseProxyImpl.share(5, 3, 0), ReverseProxyImpl.share(5, 3, 1),
        ReverseProxyImpl.share(5, 3, 2)}).containsExactly(2, 2, 1);
    assertThat(ReverseProxyImpl.share(1, 2, 1)).isZero();
  }
}
