package dev.hprp.proxy.impl.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client connection on which nothing was sent within the client timeout of its being let in: no byte from
 * the client, and none from its backend. A byte either way ends the watch, so a download the backend pushes to a
 * client that never writes (or a protocol where the server speaks first) is not cut; the idle timeout governs the
 * rest of the connection's life.
 *
 * <p>The watch is a handler in each socket's pipeline, just before the relay's, from the accept (the backend's from
 * its connect) to the first byte read: it then takes itself out, so the relay's reads pay nothing for it afterwards.
 * Installed with the relay's handler in the accept's tick, so no byte goes past it unseen; armed when the connection
 * is let in (a connection held beyond the proxy-wide limit is not timed while it waits, as it would not be in the
 * kernel's backlog). Confined to the client's event loop, which the backend socket shares.
 */
final class ClientTimeout {

  private static final Logger log = LoggerFactory.getLogger(ClientTimeout.class);
  private static final String NAME = "hprp-client-timeout";

  private final long timeoutNanos;
  private ChannelHandlerContext client;
  private ScheduledFuture<?> timer;
  /** A byte came, or the client closed: the watch is over. */
  private boolean done;

  /** Watches {@code client}, whose relay handler is named {@code relayHandler}; not yet armed. */
  ClientTimeout(long timeoutNanos, Channel client, String relayHandler) {
    this.timeoutNanos = timeoutNanos;
    client.pipeline().addBefore(relayHandler, NAME, new FirstRead(true));
  }

  /** Watches the backend's socket too: a byte from it ends the watch. */
  void watchBackend(Channel backend, String relayHandler) {
    if (!done) {
      backend.pipeline().addBefore(relayHandler, NAME, new FirstRead(false));
    }
  }

  /** Starts the clock, unless the watch is over already. */
  void arm() {
    if (!done) {
      timer = client.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void expire() {
    if (done) {
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("{}: nothing sent within the client timeout ({} ms); closing", client.channel().remoteAddress(),
          TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
    }
    // From the watch's place: the close skips the relay's and Vert.x's handlers, as the relay's own close does.
    client.close();
  }

  private void end() {
    done = true;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    client = null; // the removed handler and its context: nothing uses them once the watch is over
  }

  /** Ends the watch at the first read of its socket, and leaves the pipeline. */
  private final class FirstRead extends ChannelInboundHandlerAdapter {

    private final boolean clientSide;

    FirstRead(boolean clientSide) {
      this.clientSide = clientSide;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (clientSide) {
        client = ctx;
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      end();
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (clientSide) {
        end();
      }
      ctx.fireChannelInactive();
    }
  }
}
