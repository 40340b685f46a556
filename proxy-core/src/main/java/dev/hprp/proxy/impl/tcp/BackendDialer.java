package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects TCP mode's backend sockets on one event loop with a plain Netty {@link Bootstrap}: the channel of the
 * transport Vert.x runs on, Vert.x's name resolver, and nothing in the pipeline but {@link #END}, the handler that
 * ends it. The relay, the pool and backend TLS put their handlers before it ({@link #addLast}).
 *
 * <p>Why not Vert.x's {@code NetClient}: the relay never uses a backend socket through Vert.x (its handler writes the
 * buffers it reads to the other socket, in the pipeline), yet a {@code NetClient} connect wraps every channel in a
 * connection, a socket and their queues, and builds connect options and an SSL provider for each connect: about a
 * seventh of the proxy's user-space samples with a new connection per request. Without them the benchmark measured
 * 0.95x the CPU per new connection and 2 KiB less memory per relayed one
 * ({@code benchmark/results/profiles/2026-11-30-close-jfr.md}).
 *
 * <p>Reading is on from the start. Netty completes a connect's promise before it fires {@code channelActive}, which
 * starts the first read, and the connect's listeners (the relay's, the pool's, backend TLS's) put their handlers in
 * place right there, so the first bytes find them. Not starting with reading off is deliberate: an io_uring channel
 * created with {@code AUTO_READ} false and turned on later relayed keep-alive traffic at 1.15x the CPU per request in
 * the benchmark. Should bytes ever reach {@link #END} all the same, it closes the socket rather than drop them
 * silently. Thread-safe; connects complete on its event loop.
 */
final class BackendDialer {

  private static final Logger log = LoggerFactory.getLogger(BackendDialer.class);

  /**
   * The last handler of every backend socket: bytes that no handler before it took (none is meant to reach it) close
   * the socket, since they would be lost; a failure no handler before it handled closes it too (Netty's own tail would
   * log it as a warning and keep it open).
   */
  private static final ChannelHandler END = new End();

  private final Bootstrap bootstrap;

  /**
   * @param vertx                the Vert.x whose transport and name resolver are used
   * @param loop                 the event loop the sockets are registered with: the relay's, so both of a
   *                             connection's sockets share a thread
   * @param connectTimeoutMillis a connect not done in this long fails
   */
  BackendDialer(Vertx vertx, EventLoop loop, int connectTimeoutMillis) {
    VertxInternal internal = (VertxInternal) vertx;
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channelFactory(internal.transport().channelFactory(false))
        .resolver(internal.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(END);
  }

  /**
   * Connects to {@code backend}. The future completes on the event loop, in the connect's own callback, so nothing
   * can be read before its listener has set the pipeline up; it fails with the transport's error (refused, timed out,
   * not resolved).
   */
  Future<Channel> connect(Backend backend) {
    // A promise of no context: its listeners run at once, where the connect completes, not a task later.
    Promise<Channel> connected = Promise.promise();
    // An address given as an IP literal needs no resolver: Netty's would still take it through a DNS resolver's
    // in-flight map and a promise on every connect.
    InetAddress literal = NetUtil.createInetAddressFromIpAddressString(backend.host());
    ChannelFuture connecting = literal != null ? bootstrap.connect(new InetSocketAddress(literal, backend.port()))
        : bootstrap.connect(backend.host(), backend.port());
    connecting.addListener((ChannelFutureListener) done -> {
      if (done.isSuccess()) {
        connected.complete(done.channel());
      } else {
        connected.fail(done.cause());
      }
    });
    return connected.future();
  }

  /** Puts {@code handler}, named {@code name}, at the end of a backend socket's pipeline, just before {@link #END}. */
  static void addLast(Channel channel, String name, ChannelHandler handler) {
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addBefore(pipeline.context(END).name(), name, handler);
  }

  @ChannelHandler.Sharable
  private static final class End extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      log.warn("{}: bytes from the backend reached no handler; closing the connection rather than lose them",
          ctx.channel().remoteAddress());
      ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (log.isDebugEnabled()) {
        log.debug("{}: backend socket failed: {}", ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }
}
