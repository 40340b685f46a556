package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP mode's pool on one event loop (Envoy's preconnect): up to {@code size} idle connections opened in advance to
 * each eligible backend, handed to new clients so that they skip the connect round trip.
 *
 * <p>A pooled connection keeps reading, so that a backend closing it is noticed at once and it leaves the pool;
 * what a backend sends first (a banner) is held and handed to the relay with the connection, so it reaches the
 * client. A connection is checked open again when handed out. The pool is refilled after each hand-out and every
 * second; backends that are no longer eligible (DOWN, ejected, drained, removed) have their pooled connections
 * closed at that check, and get no new ones.
 *
 * <p>Confined to its event loop: the verticle's timers and the {@link BackendDialer}'s callbacks all run there.
 */
final class PreconnectPool {

  private static final Logger log = LoggerFactory.getLogger(PreconnectPool.class);
  private static final String HANDLER_NAME = "hprp-pooled";
  private static final long CHECK_MILLIS = 1000;

  private final Vertx vertx;
  private final BackendDialer dialer;
  private final UpstreamConnector connector;
  private final int size;
  /** Idle connections by backend id, oldest first. */
  private final Map<String, ArrayDeque<Pooled>> idle = new HashMap<>();
  /** Connects under way by backend id. */
  private final Map<String, Integer> connecting = new HashMap<>();
  private long timer = -1;
  private boolean closed;

  PreconnectPool(Vertx vertx, BackendDialer dialer, UpstreamConnector connector, int size) {
    this.vertx = vertx;
    this.dialer = dialer;
    this.connector = connector;
    this.size = size;
  }

  void start() {
    refill();
    timer = vertx.setPeriodic(CHECK_MILLIS, id -> refill());
  }

  void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    idle.values().forEach(deque -> deque.forEach(pooled -> pooled.channel.close()));
    idle.clear();
  }

  /** A connection to {@code backend}: a pooled one still open when there is one, else a new connect. */
  Future<Channel> take(Backend backend) {
    ArrayDeque<Pooled> deque = idle.get(backend.id());
    Pooled pooled;
    while (deque != null && (pooled = deque.poll()) != null) {
      if (pooled.open && pooled.channel.isActive()) {
        pooled.handedOut = true;
        fill(backend);
        return Future.succeededFuture(pooled.channel);
      }
      pooled.channel.close();
    }
    fill(backend);
    return dialer.connect(backend);
  }

  /**
   * Takes a handed-out connection's holder out of its pipeline and returns what the backend sent while it was
   * pooled, in order; null for a connection that was not pooled or got nothing. Call once the relay's handler is in.
   */
  static ArrayDeque<ByteBuf> detach(Channel channel) {
    if (!(channel.pipeline().get(HANDLER_NAME) instanceof Holder holder)) {
      return null;
    }
    channel.pipeline().remove(holder);
    return holder.held;
  }

  /** Closes the pools of backends that left rotation and tops up those of eligible ones. */
  private void refill() {
    if (closed) {
      return;
    }
    List<Backend> eligible = connector.eligibleBackends();
    Set<String> ids = new HashSet<>();
    for (Backend backend : eligible) {
      ids.add(backend.id());
    }
    for (Iterator<Map.Entry<String, ArrayDeque<Pooled>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, ArrayDeque<Pooled>> entry = it.next();
      if (!ids.contains(entry.getKey())) {
        entry.getValue().forEach(pooled -> pooled.channel.close());
        it.remove();
      }
    }
    for (Backend backend : eligible) {
      fill(backend);
    }
  }

  private void fill(Backend backend) {
    ArrayDeque<Pooled> deque = idle.computeIfAbsent(backend.id(), id -> new ArrayDeque<>());
    int pending = connecting.getOrDefault(backend.id(), 0);
    for (int missing = size - deque.size() - pending; missing > 0 && !closed; missing--) {
      connecting.merge(backend.id(), 1, Integer::sum);
      dialer.connect(backend).onComplete(ar -> {
        connecting.merge(backend.id(), -1, Integer::sum);
        if (ar.failed()) {
          if (log.isDebugEnabled()) {
            log.debug("pool: connect to {} failed: {}", backend.id(), ar.cause().getMessage());
          }
          return; // passive health hears of it from the clients' own connects; the next check tries again
        }
        Channel channel = ar.result();
        if (closed || !connector.eligibleBackends().contains(backend)) {
          channel.close();
          return;
        }
        if (!channel.isActive()) {
          return;
        }
        Pooled pooled = new Pooled(channel, backend, this);
        BackendDialer.addLast(channel, HANDLER_NAME, pooled.holder);
        idle.computeIfAbsent(backend.id(), id -> new ArrayDeque<>()).add(pooled);
        pooled.deque = idle.get(backend.id());
      });
    }
  }

  /** One pooled connection. */
  private static final class Pooled {
    final Channel channel;
    final Backend backend;
    final PreconnectPool pool;
    final Holder holder = new Holder(this);
    ArrayDeque<Pooled> deque;
    boolean open = true;
    boolean handedOut;

    Pooled(Channel channel, Backend backend, PreconnectPool pool) {
      this.channel = channel;
      this.backend = backend;
      this.pool = pool;
    }
  }

  /** Holds what a pooled connection reads until it is handed out, and takes it out of the pool when it closes. */
  private static final class Holder extends ChannelInboundHandlerAdapter {
    /** What a pooled connection may hold before the proxy stops reading it (and so hearing of its close). */
    private static final int MAX_HELD = 64 * 1024;
    private final Pooled pooled;
    ArrayDeque<ByteBuf> held;
    private int heldBytes;

    Holder(Pooled pooled) {
      this.pooled = pooled;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buffer)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (held == null) {
        held = new ArrayDeque<>();
      }
      held.add(buffer);
      heldBytes += buffer.readableBytes();
      if (heldBytes >= MAX_HELD) {
        // A banner is small; a backend that keeps talking to nobody is not read further until a client takes it.
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      pooled.open = false;
      if (!pooled.handedOut && pooled.deque != null) {
        pooled.deque.remove(pooled);
        // Replaced at once while the backend is eligible (a backend that closes idle connections keeps its pool).
        PreconnectPool pool = pooled.pool;
        if (!pool.closed && pool.connector.eligibleBackends().contains(pooled.backend)) {
          pool.fill(pooled.backend);
        }
      }
      if (held != null) {
        held.forEach(ByteBuf::release);
        held = null;
      }
      ctx.fireChannelInactive();
    }
  }
}
