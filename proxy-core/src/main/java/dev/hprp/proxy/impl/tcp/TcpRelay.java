package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.ProxyProtocolVersion;
import dev.hprp.proxy.impl.Edge;
import dev.hprp.proxy.impl.ProxyHeaderReader;
import dev.hprp.proxy.impl.ProxyHeaders;
import dev.hprp.proxy.ConnectionRecord;
import dev.hprp.proxy.EndState;
import dev.hprp.proxy.impl.ActiveFault;
import dev.hprp.proxy.impl.Connections;
import dev.hprp.proxy.impl.Upstream;
import dev.hprp.proxy.impl.UpstreamConnector;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection in TCP mode: gets a backend from the {@link UpstreamConnector} (which picks, connects and
 * fails over), relays bytes both ways, and closes both sides by the one close policy.
 *
 * <p>Vert.x accepts the client; the {@link BackendDialer} connects the backend with a plain Netty channel; the bytes
 * never pass through Vert.x. Each socket gets a {@link Side} handler in its Netty pipeline (on the client's, just
 * before Vert.x's own handler), which writes every buffer read, as it is, to the other socket and flushes once per
 * read batch. Through {@code NetSocket} each chunk would be
 * copied twice (to a heap buffer and back) and written with a promise and a flush of its own; the benchmark
 * measured that at a quarter of the proxy's CPU per request on {@code c50}.
 *
 * <p>Confined to the client's event loop: the backend socket is connected by that loop's {@link BackendDialer}, so it
 * shares the loop, and every callback and handler runs there; no field needs synchronisation.
 *
 * <p>Backpressure: a socket whose write buffer passes Netty's high-water mark stops reads on the other socket until
 * it drains, so memory stays bounded whichever side is slow.
 *
 * <p>Close policy, as HAProxy's in {@code mode tcp}: a FIN ends one direction only (TCP half-close): the other
 * socket gets the bytes already read, then a FIN of its own, while the opposite direction keeps flowing; once
 * both directions have ended, both sockets close after flushing. A socket closed outright has its bytes flushed to
 * the other, which is then closed. A side that fails (a reset, a read or write error) closes both at once, since
 * nothing more can be delivered. No traffic either way for the idle timeout closes both. When both sockets are
 * closed the {@link Upstream} is released, exactly once.
 *
 * <p>How it ended ({@link EndState}) is the first decisive event: a FIN or close of either side, a failure of either
 * side, the idle timeout, an abort at a drain's deadline, or no backend. When both sockets are closed, or no backend
 * was connected, the proxy's {@link Connections} are told once, with a record when a listener wants one; nothing is
 * recorded or allocated for it otherwise.
 *
 * <p>Faults ({@link dev.hprp.proxy.fault.Fault}): a connection reads the proxy's faults once, when its backend is
 * connected, and is told of changes later ({@link #faultsChanged()}); a data fault that acts on it puts a stage in the
 * pipeline of the socket it writes to ({@link RelayFaults}). Without faults, nothing here differs.
 */
final class TcpRelay implements UpstreamConnector.Attempt<Channel> {

  private static final Logger log = LoggerFactory.getLogger(TcpRelay.class);

  /** Name of the relay's handler in each socket's pipeline; fault stages go just before it. */
  static final String HANDLER_NAME = "hprp-relay";
  /** Name of TLS termination's handler in the client's pipeline. */
  private static final String TLS_HANDLER_NAME = "hprp-tls";

  /** Sends a FIN once what was written before has been flushed; on a failed flush the socket is closing anyway. */
  private static final ChannelFutureListener SHUTDOWN_OUTPUT = flushed -> {
    if (flushed.isSuccess()) {
      shutdownOutput(flushed.channel());
    }
  };

  /**
   * Sends a FIN on {@code channel}, whose writes are all flushed. On the native transports this is the
   * {@code shutdown(SHUT_WR)} call itself: Netty's {@code DuplexChannel.shutdownOutput()} also builds an exception
   * with a stack trace for writes that may be pending, which cost 5 % of the proxy's CPU with a new connection per
   * request. The socket keeps its own shutdown state, so the channel still reports its output shut.
   */
  private static void shutdownOutput(Channel channel) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls != null) {
      // Over TLS the end of a direction is a close_notify alert: a FIN under it would cut the record stream short.
      // The FIN follows once the alert is out.
      tls.closeOutbound().addListener(sent -> shutdownSocket(channel));
      return;
    }
    shutdownSocket(channel);
  }

  private static void shutdownSocket(Channel channel) {
    if (!channel.isActive()) {
      return;
    }
    if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
      try {
        socket.shutdown(false, true);
      } catch (IOException e) {
        channel.close(); // the connection is gone: closing is all that is left
      }
    } else {
      ((DuplexChannel) channel).shutdownOutput();
    }
  }

  /**
   * What a client socket is given as its shutdown handler: a proxy's drain ({@code NetServer.shutdown(timeout)})
   * leaves the relayed connection open, to finish on its own, until the proxy closes it at the deadline; without a
   * handler Vert.x would close it at once.
   */
  private static final Handler<Duration> FINISH_ON_ITS_OWN = remaining -> {
  };

  /**
   * What every relay of one event loop shares. Immutable.
   *
   * @param dialer           connects to backends on this event loop
   * @param pool             this event loop's connections opened in advance; null when the pool is off
   * @param connector        picks, connects, fails over and counts
   * @param idleTimeoutNanos a relayed connection with no traffic either way for this long is closed
   */
  record Settings(BackendDialer dialer, PreconnectPool pool, UpstreamConnector connector, long idleTimeoutNanos) {
  }

  private final NetSocketInternal client;
  private final Settings settings;
  private final Side clientSide;
  private Side upstreamSide;
  private Upstream upstream;
  /** The side whose socket ended first (a FIN, a close or a failure); null while both are open. */
  private Side endedFirst;
  private long lastActivityNanos;
  private ScheduledFuture<?> idleCheck;
  /** The faults met; null until the first one is. */
  private RelayFaults faults;
  /** A fault cut the connection: however it ended, the backend is not to blame. */
  private boolean faultEnded;
  /** Closes the client when nothing is sent either way at first; null when the client timeout is off. */
  private ClientTimeout clientTimeout;
  /** The connector has this client: its callbacks end the relay from now on. */
  private boolean seeking;
  /** The client and the address it reached, as a trusted PROXY header told them; null without one. */
  private SocketAddress proxiedSource;
  private SocketAddress proxiedDestination;
  private final Connections connections;
  /** The connector's handle from the first attempt on, connected or not: what the record is read from. */
  private Upstream attempts;
  /** How the relay ended: the first decisive event; null while nothing has. */
  private EndState end;
  private boolean finished;
  /** Only when recording: when the client was accepted, and its address. */
  private long startNanos;
  private SocketAddress clientAddress;

  private TcpRelay(NetSocketInternal client, Settings settings) {
    this.client = client;
    this.settings = settings;
    this.connections = settings.connector().connections();
    this.clientSide = new Side(null, true);
  }

  /** Takes over an accepted client socket; call in the tick it was accepted, before anything asynchronous. */
  static void start(NetSocket socket, Settings settings) {
    NetSocketInternal client = (NetSocketInternal) socket;
    Connections connections = settings.connector().connections();
    if (connections.refusing()) {
      // Accepted in the instant between the start of a shutdown and the listening socket's close: reset, as a
      // closed port would answer.
      client.channelHandlerContext().channel().config().setOption(ChannelOption.SO_LINGER, 0);
      client.channelHandlerContext().close();
      return;
    }
    TcpRelay relay = new TcpRelay(client, settings);
    relay.connections.opened();
    if (relay.connections.recording()) {
      relay.startNanos = System.nanoTime();
      relay.clientAddress = client.remoteAddress();
    }
    // No reads until a backend is connected; the handler holds whatever one read already brought in.
    Channel channel = client.channelHandlerContext().channel();
    channel.config().setAutoRead(false);
    client.shutdownHandler(FINISH_ON_ITS_OWN);
    relay.clientSide.install(channel, client.channelHandlerContext().name());
    Edge edge = settings.connector().edge();
    SslContext tls = edge.serverTls();
    SslHandler tlsHandler = tls == null ? null : tls.newHandler(channel.alloc());
    if (tlsHandler != null) {
      // Before the relay's handler (and the client timeout's): it sees decrypted bytes. A PROXY header is read
      // before it, at the very head.
      channel.pipeline().addBefore(HANDLER_NAME, TLS_HANDLER_NAME, tlsHandler);
    }
    long clientTimeoutNanos = edge.clientTimeoutNanos();
    if (clientTimeoutNanos > 0) {
      relay.clientTimeout = new ClientTimeout(clientTimeoutNanos, channel, HANDLER_NAME);
    }
    // A client that leaves before its backend is sought (held beyond the limit, in its PROXY header or TLS
    // handshake) ends here; from then on the connector's callbacks end it.
    channel.closeFuture().addListener(closed -> {
      if (!relay.seeking) {
        relay.clientSide.releaseEarly();
        relay.finish();
      }
    });
    // Counted against the proxy-wide limit; beyond it (one accept batch's overshoot) it waits, unread, for a slot.
    edge.acceptGate().admit(channel, () -> {
      if (relay.clientTimeout != null) {
        relay.clientTimeout.arm();
      }
      // A backend is picked once the client is known: after its PROXY header and its TLS handshake, if any.
      Runnable connect = tlsHandler == null ? relay::seek : () -> afterHandshake(channel, tlsHandler, relay::seek);
      if (edge.readsProxyHeaderFrom(channel.remoteAddress())) {
        // The client's real address picks the backend (consistent hashing), goes on in our own header and into the
        // connection's record.
        ProxyHeaderReader.read(channel, (source, destination) -> {
          relay.proxiedSource = source;
          relay.proxiedDestination = destination;
          if (source != null && relay.connections.recording()) {
            relay.clientAddress = source;
          }
          connect.run();
        });
      } else {
        connect.run();
      }
    });
  }

  /** Hands the client to the connector, which picks, connects and fails over, and ends the relay if it must. */
  private void seek() {
    if (!clientSide.channel().isOpen()) {
      return; // it left meanwhile: its close listener ended the relay
    }
    seeking = true;
    settings.connector().connect(this);
  }

  /**
   * Reads until the client's TLS handshake is done, then runs {@code next} with reading off again. A handshake that
   * fails (TLS 1.1, a client certificate refused, its timeout) closes the client: the SslHandler does.
   */
  private static void afterHandshake(Channel channel, SslHandler tls, Runnable next) {
    tls.handshakeFuture().addListener(handshake -> {
      if (handshake.isSuccess()) {
        channel.config().setAutoRead(false);
        next.run();
      } else if (log.isDebugEnabled()) {
        log.debug("{}: TLS handshake failed: {}", channel.remoteAddress(), handshake.cause().toString());
      }
    });
    channel.config().setAutoRead(true);
  }

  @Override
  public void started(Upstream upstream) {
    attempts = upstream;
  }

  @Override
  public SocketAddress clientAddress() {
    return proxiedSource != null ? proxiedSource : client.remoteAddress();
  }

  @Override
  public Future<Channel> dial(Backend backend) {
    PreconnectPool pool = settings.pool();
    Future<Channel> connecting = pool == null ? settings.dialer().connect(backend) : pool.take(backend);
    Edge edge = settings.connector().edge();
    // A pooled connection is handed out before its handshake: a TLS server sends nothing until the client's hello.
    return edge.backendTls() == null ? connecting : connecting.compose(channel -> BackendTls.handshake(channel, edge,
        backend.host(), backend.port()));
  }

  @Override
  public boolean wanted() {
    // A client that left having sent nothing needs no backend; nor does any client once the drain's deadline passed.
    return (clientSide.open || clientSide.early != null) && !connections.killed();
  }

  @Override
  public void abandoned() {
    endAs(connections.killed() ? EndState.DRAIN_TIMEOUT : EndState.CLIENT_CLOSED);
    clientSide.releaseEarly();
    clientSide.close();
    finish();
  }

  @Override
  public void failed(int attempts) {
    if (log.isDebugEnabled()) {
      log.debug("{}: no backend accepted after {} attempt(s); closing", client.remoteAddress(), attempts);
    }
    end = EndState.REFUSED;
    clientSide.releaseEarly();
    clientSide.close();
    finish();
  }

  @Override
  public void queueTimedOut(int attempts) {
    if (log.isDebugEnabled()) {
      log.debug("{}: queue timeout: every backend stayed at its connection limit; closing", client.remoteAddress());
    }
    end = EndState.QUEUE_TIMEOUT;
    clientSide.releaseEarly();
    clientSide.close();
    finish();
  }

  @Override
  public void discard(Channel connection) {
    connection.close();
  }

  @Override
  public void abort() {
    clientSide.channel().eventLoop().execute(() -> {
      endAs(EndState.DRAIN_TIMEOUT);
      clientSide.close();
      if (upstreamSide != null) {
        upstreamSide.close();
      }
    });
  }

  @Override
  public void connected(Upstream upstream, Channel backend) {
    this.upstream = upstream;
    upstreamSide = new Side(clientSide, false);
    clientSide.peer = upstreamSide;
    upstreamSide.install(backend, null);
    ArrayDeque<ByteBuf> banner = settings.pool() == null ? null : PreconnectPool.detach(backend);
    if (clientTimeout != null) {
      clientTimeout.watchBackend(upstreamSide.channel(), HANDLER_NAME);
      clientTimeout = null; // the watch's handlers hold it while it lasts; a relay held for hours need not
    }
    ProxyProtocolVersion sendProxy = settings.connector().edge().sendProxy();
    if (sendProxy != ProxyProtocolVersion.NONE) {
      // The backend's first bytes: who the client is, and what it reached (ahead of the client's early bytes).
      ProxyHeaders.write(upstreamSide.ctx, sendProxy, clientAddress(),
          proxiedDestination != null ? proxiedDestination : client.localAddress());
    }
    if (!upstreamSide.channel().isActive()) {
      if (banner != null) {
        banner.forEach(ByteBuf::release);
      }
      // Closed between connecting and this callback: its channelInactive went by before the handler was there.
      clientSide.releaseEarly();
      upstreamSide.closed();
      return;
    }
    if (connections.killed()) {
      // The drain's deadline passed while this one was connecting.
      endAs(EndState.DRAIN_TIMEOUT);
      if (banner != null) {
        banner.forEach(ByteBuf::release);
      }
      clientSide.releaseEarly();
      clientSide.close();
      upstreamSide.close();
      return;
    }
    ActiveFault[] active = settings.connector().faults().active();
    if (active.length != 0) {
      // Before the first bytes go: they meet the faults too.
      applyFaults(active);
    }
    if (banner != null) {
      // What a pooled backend sent before this client came (a greeting): the client's first bytes.
      upstreamSide.relay(banner);
    }
    // Relayed even when the client already left: what it sent before closing is still delivered, then the
    // backend is ended as the client side's end requires.
    clientSide.relayEarly();
    if (!clientSide.open) {
      clientSide.endPeer();
      return;
    }
    if (clientSide.inputEnded) {
      clientSide.forwardEnd();
    }
    lastActivityNanos = System.nanoTime();
    scheduleIdleCheck(settings.idleTimeoutNanos());
    clientSide.channel().config().setAutoRead(upstreamSide.channel().isWritable());
    // What a TLS backend sent right after its handshake, held until now, goes to the client.
    BackendTls.release(backend);
    backend.config().setAutoRead(clientSide.channel().isWritable());
  }

  @Override
  public Future<Void> faultsChanged() {
    Promise<Void> applied = Promise.promise();
    EventLoop loop = clientSide.channel().eventLoop();
    loop.execute(() -> {
      if (clientSide.open && upstreamSide.open) {
        applyFaults(settings.connector().faults().active());
      }
      // Behind what the faults queued on this loop as they took hold (a reset at 0 bytes): done when it is.
      loop.execute(applied::complete);
    });
    return applied.future();
  }

  private void applyFaults(ActiveFault[] active) {
    if (faults == null) {
      if (active.length == 0) {
        return;
      }
      faults = new RelayFaults(this, settings.connector().faults(), upstream.backend());
    }
    faults.apply(active);
  }

  Channel clientChannel() {
    return clientSide.channel();
  }

  Channel backendChannel() {
    return upstreamSide.channel();
  }

  /** A fault closes the connection: each socket gets what it was given, then a FIN. */
  void faultClose() {
    faultEnded = true;
    endAs(EndState.FAULT);
    if (clientSide.open) {
      clientSide.closeAfterFlush();
    }
    if (upstreamSide.open) {
      upstreamSide.closeAfterFlush();
    }
  }

  /** A fault resets the connection: both sockets close at once with an RST. */
  void faultReset() {
    faultEnded = true;
    endAs(EndState.FAULT);
    clientSide.reset();
    upstreamSide.reset();
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = clientSide.channel().eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void checkIdle() {
    long remaining = lastActivityNanos + settings.idleTimeoutNanos() - System.nanoTime();
    if (remaining > 0) {
      scheduleIdleCheck(remaining);
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("{} <-> {}: idle for {} ms; closing", client.remoteAddress(), upstream.backend(),
          TimeUnit.NANOSECONDS.toMillis(settings.idleTimeoutNanos()));
    }
    endAs(EndState.IDLE_TIMEOUT);
    clientSide.close();
    upstreamSide.close();
  }

  /** Called as each side closes; once both have, after a backend was connected, the relay is finished. */
  private void sideClosed() {
    if (upstream == null || clientSide.open || upstreamSide.open) {
      return;
    }
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
    upstream.release(!faultEnded && endedFirst == upstreamSide);
    if (log.isDebugEnabled()) {
      log.debug("{} <-> {}: closed", client.remoteAddress(), upstream.backend());
    }
    finish();
  }

  /** Notes how the relay ended, unless something decided it already. */
  private void endAs(EndState state) {
    if (end == null) {
      end = state;
    }
  }

  /** The relay is over: tells the proxy's connections once, with its record when one is wanted. */
  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    EndState state = end != null ? end : EndState.CLIENT_CLOSED;
    ConnectionRecord record = null;
    if (connections.recording()) {
      // A client that left before a backend was sought has no attempts: its record says so.
      record = attempts != null ? attempts.record(clientAddress, startNanos, state)
          : Connections.withoutBackend(clientAddress, startNanos, state, null);
    }
    connections.closed(record);
  }

  /** Notes which side ended first, for passive health's view of a backend that hangs up at once. */
  private void ended(Side side) {
    if (endedFirst == null) {
      endedFirst = side;
    }
  }

  /**
   * One socket of the relay, as a handler in its pipeline: what it reads goes to {@link #peer}'s socket. Not
   * sharable: one instance per socket.
   */
  private final class Side extends ChannelInboundHandlerAdapter {

    /** The other socket's side; null on the client side until a backend is connected. */
    private Side peer;
    private ChannelHandlerContext ctx;
    /** This is the client's socket: what it reads goes to the backend. */
    private final boolean towardBackend;
    /** Client side only: buffers read before a backend was connected, in order; null when none. */
    private ArrayDeque<ByteBuf> early;
    private boolean open = true;
    /** This socket's peer sent a FIN: nothing more will be read here. */
    private boolean inputEnded;
    private boolean failed;

    Side(Side peer, boolean towardBackend) {
      this.peer = peer;
      this.towardBackend = towardBackend;
    }

    /**
     * Puts this handler in {@code channel}'s pipeline, where it sees every read first: just before the handler named
     * {@code before} (Vert.x's, on the client's socket), or at the end of a backend socket's when null.
     */
    void install(Channel channel, String before) {
      // A FIN then arrives as an event, not a close, so it can be passed on as a FIN.
      channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      if (before == null) {
        BackendDialer.addLast(channel, HANDLER_NAME, this);
      } else {
        channel.pipeline().addBefore(before, HANDLER_NAME, this);
      }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    Channel channel() {
      return ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buffer)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (peer == null) {
        if (early == null) {
          early = new ArrayDeque<>();
        }
        early.add(buffer);
        ctx.channel().config().setAutoRead(false);
      } else if (peer.open) {
        count(buffer.readableBytes());
        peer.ctx.write(buffer, peer.ctx.voidPromise());
      } else {
        // The other socket is gone: these bytes have nowhere to go, and this side is being closed.
        buffer.release();
      }
    }

    private void count(int bytes) {
      if (towardBackend) {
        upstream.sentToBackend(bytes);
      } else {
        upstream.receivedFromBackend(bytes);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (peer != null) {
        peer.ctx.flush();
        lastActivityNanos = System.nanoTime();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (peer != null) {
        peer.channel().config().setAutoRead(ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        inputEnded = true;
        endAs(towardBackend ? EndState.CLIENT_CLOSED : EndState.BACKEND_CLOSED);
        ended(this);
        if (peer != null) {
          forwardEnd();
        } // else the client half-closed before a backend was connected: passed on once it is
      } else if (event != ChannelInputShutdownReadComplete.INSTANCE) {
        ctx.fireUserEventTriggered(event);
      }
    }

    /**
     * This direction ended with a FIN: the peer gets the bytes already handed to it, then a FIN; when the other
     * direction has ended too, both sockets close once flushed.
     */
    void forwardEnd() {
      if (!peer.open) {
        close();
      } else if (peer.inputEnded) {
        closeAfterFlush();
        peer.closeAfterFlush();
      } else {
        peer.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(SHUTDOWN_OUTPUT);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (log.isDebugEnabled()) {
        log.debug("{} <-> {}: relay failed: {}", client.remoteAddress(), upstream == null ? null
            : upstream.backend(), cause.toString());
      }
      failed = true;
      endAs(towardBackend ? EndState.CLIENT_RESET : EndState.BACKEND_RESET);
      ended(this);
      close();
      if (peer != null) {
        peer.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closed();
      ctx.fireChannelInactive();
    }

    /** This socket is closed: end the peer once the bytes already handed to it are flushed. */
    void closed() {
      if (!open) {
        return;
      }
      open = false;
      endAs(towardBackend ? EndState.CLIENT_CLOSED : EndState.BACKEND_CLOSED);
      ended(this);
      if (peer != null) {
        endPeer();
      } else if (failed) {
        releaseEarly();
      } // else what the client sent is kept for the backend, if one connects
    }

    /** Closes the peer after the bytes handed to it are flushed (the end of this direction). */
    void endPeer() {
      if (peer.open) {
        peer.closeAfterFlush();
      }
      sideClosed();
    }

    void closeAfterFlush() {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Client side, once a backend is connected: hands over what was read before, in order. */
    void relayEarly() {
      if (early == null) {
        return;
      }
      relay(early);
      early = null;
    }

    /** Writes {@code buffers}, read earlier on this side, to the peer, in order, and flushes. */
    void relay(ArrayDeque<ByteBuf> buffers) {
      ByteBuf buffer;
      while ((buffer = buffers.poll()) != null) {
        count(buffer.readableBytes());
        peer.ctx.write(buffer, peer.ctx.voidPromise());
      }
      peer.ctx.flush();
    }

    void releaseEarly() {
      if (early != null) {
        early.forEach(ByteBuf::release);
        early = null;
      }
    }

    /**
     * Closes this socket now, unsent bytes and all. From this handler's place in the pipeline, so the close skips
     * Vert.x's handler, which would first wait for pending writes to flush: a peer that reads nothing would then keep
     * the socket open for ever.
     */
    void close() {
      ctx.close();
    }

    /** Closes this socket now with an RST (SO_LINGER 0), unsent bytes and all. */
    void reset() {
      if (open) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
      }
    }
  }
}
