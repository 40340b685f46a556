package dev.hprp.proxy.impl;

import dev.hprp.proxy.balancer.SelectionContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.AsyncResult;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: picks a backend, connects (failing over to other backends), relays both ways, and closes
 * both sides by the one close policy.
 *
 * <p>Confined to the client's event loop: every callback runs there, so no field needs synchronisation.
 *
 * <p>Close policy: each direction is a {@link ByteRelay} (a copy-free {@code pipeTo}); when its source has ended and
 * every byte read from it was handed over, its destination is ended (closed after pending writes flush), so a side
 * that closes still has its last bytes delivered. A direction that fails (a reset, a read error) closes both sockets
 * at once, since no more bytes can be delivered. When both sockets are closed the backend's active count drops,
 * exactly once.
 */
final class TcpRelay implements SelectionContext {

  private static final Logger log = LoggerFactory.getLogger(TcpRelay.class);

  private final NetSocketInternal client;
  private final RelaySettings settings;
  private int attempts;
  /** Backends that failed for this client; allocated on the first failure only. */
  private BitSet tried;
  private BackendStateImpl backend;
  private NetSocketInternal upstream;
  private boolean clientOpen = true;
  private boolean upstreamOpen;

  private TcpRelay(NetSocketInternal client, RelaySettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** Takes over an accepted client socket; call in the tick it was accepted, before anything asynchronous. */
  static void start(NetSocket client, RelaySettings settings) {
    // Pause first: a socket with no data handler drops what it reads, and the backend is not connected yet.
    client.pause();
    TcpRelay relay = new TcpRelay((NetSocketInternal) client, settings);
    client.closeHandler(v -> relay.clientClosed());
    relay.connectNext();
  }

  @Override
  public SocketAddress clientAddress() {
    return client.remoteAddress();
  }

  private void connectNext() {
    BackendStateImpl candidate = attempts < settings.maxAttempts() ? settings.registry().select(this, tried) : null;
    if (candidate == null) {
      log.debug("{}: no backend accepted after {} attempt(s); closing", client.remoteAddress(), attempts);
      client.close();
      return;
    }
    attempts++;
    settings.netClient().connect(candidate.backend().port(), candidate.backend().host())
        .onComplete(ar -> onConnected(candidate, ar));
  }

  private void onConnected(BackendStateImpl candidate, AsyncResult<NetSocket> ar) {
    if (ar.failed()) {
      candidate.connectFailed();
      settings.monitor().connectFailed(candidate, ar.cause());
      log.debug("{}: connect to {} failed: {}", client.remoteAddress(), candidate, ar.cause().getMessage());
      if (tried == null) {
        tried = new BitSet();
      }
      tried.set(candidate.index);
      connectNext();
      return;
    }
    settings.monitor().connectSucceeded(candidate);
    backend = candidate;
    upstream = (NetSocketInternal) ar.result();
    backend.connectionOpened();
    upstreamOpen = true;
    upstream.closeHandler(v -> upstreamClosed());
    closeWhenIdle(client);
    closeWhenIdle(upstream);
    // Wired even when the client closed while we connected: its bytes still queued behind the pause are relayed,
    // then its pipe ends the upstream.
    ByteRelay.start(client, upstream, backend.bytesToBackend).onComplete(result -> directionDone(result, upstream));
    ByteRelay.start(upstream, client, backend.bytesFromBackend).onComplete(result -> directionDone(result, client));
  }

  /**
   * Closes {@code socket} after the idle timeout without reads or writes; Vert.x closes a connection on the idle
   * event. Installed only once the relay runs, so a client waiting for a slow connect is not taken for idle (the
   * connect timeout bounds that wait).
   */
  private void closeWhenIdle(NetSocketInternal socket) {
    socket.channelHandlerContext().pipeline().addFirst("hprp-idle",
        new IdleStateHandler(0, 0, settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS));
  }

  /**
   * A direction finished. Its source ended: end the other side, which closes it once the bytes already handed to it
   * are flushed. Its source failed: nothing more can be delivered either way, so close both at once.
   */
  private void directionDone(AsyncResult<Void> ar, NetSocket destination) {
    if (ar.succeeded()) {
      destination.end();
    } else {
      log.debug("{} <-> {}: relay failed: {}", client.remoteAddress(), backend, ar.cause().getMessage());
      client.close();
      upstream.close();
    }
  }

  private void clientClosed() {
    clientOpen = false;
    if (backend != null && !upstreamOpen) {
      finished();
    }
  }

  private void upstreamClosed() {
    upstreamOpen = false;
    if (!clientOpen) {
      finished();
    }
  }

  /** Both sockets are closed: runs once per relayed connection, since each close handler runs once. */
  private void finished() {
    backend.connectionClosed();
    log.debug("{} <-> {}: closed", client.remoteAddress(), backend);
  }
}
