package dev.hprp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TCP mode's pool: connections opened in advance, handed to new clients, banner included, replaced when closed. */
@ExtendWith(VertxExtension.class)
class TcpPoolIT {

  private final AtomicInteger accepted = new AtomicInteger();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer backend;
  private ReverseProxy proxy;

  @BeforeEach
  void start(Vertx vertx) {
    // Greets each connection with its number in accept order, then echoes.
    backend = vertx.createNetServer().connectHandler(socket -> {
      open.add(socket);
      socket.closeHandler(v -> open.remove(socket));
      socket.write("conn-" + accepted.incrementAndGet() + "\n");
      socket.handler(socket::write);
    });
    backend.listen(0, "127.0.0.1").await();
    proxy = ReverseProxy.builder(vertx)
        .backend(new Backend("127.0.0.1", backend.actualPort()))
        .with(new ReverseProxyOptions().setHost("127.0.0.1").setPort(0).setEventLoops(1).setPoolSize(2))
        .build();
    proxy.start().await();
  }

  @AfterEach
  void stop() {
    proxy.close().await();
  }

  /** Connects, reads the greeting line, checks the echo; returns the greeting. */
  private String greeting() throws Exception {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
      client.setSoTimeout(10_000);
      InputStream in = client.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        line.append((char) b);
      }
      client.getOutputStream().write("echo\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("echo\n");
      return line.toString();
    }
  }

  @Test
  void aNewClientGetsAConnectionOpenedBeforeItCame() throws Exception {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 2);
    // Accepted 1 and 2 were opened before this client connected; its banner reaches it.
    assertThat(greeting()).isIn("conn-1", "conn-2");
    // The pool is topped up behind it.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 3);
  }

  @Test
  void aPooledConnectionTheBackendClosedIsNotHandedOut() throws Exception {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 2);
    open.forEach(socket -> socket.close());
    // The pool notices the closes and opens two more.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 4 && open.size() == 2);
    assertThat(greeting()).isIn("conn-3", "conn-4");
  }

  @Test
  void aDrainedBackendsPooledConnectionsAreClosed() {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> open.size() == 2);
    proxy.drain(proxy.backends().get(0).backend().id()).await();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> open.isEmpty());
  }
}
