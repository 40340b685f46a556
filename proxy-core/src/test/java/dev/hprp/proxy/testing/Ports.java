package dev.hprp.proxy.testing;

import dev.hprp.proxy.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for tests. */
public final class Ports {

  private Ports() {
  }

  /**
   * A backend on a loopback port nothing listens on: bound ephemerally, then released, so connects are refused
   * (unless another process takes the port in between, which the kernel's ephemeral rotation makes unlikely).
   */
  public static Backend refusingBackend() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new Backend("127.0.0.1", socket.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
