package dev.hprp.proxy.impl;

import dev.hprp.proxy.ProxyProtocolVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol headers that the proxy sends, encoded by Netty's {@link HAProxyMessageEncoder}: one telling a
 * backend the relayed client's address, and the {@code LOCAL}/{@code UNKNOWN} one of a health probe. Stateless.
 */
public final class ProxyHeaders {

  private static final String ENCODER = "hprp-proxy-encoder";
  /**
   * v1's header for a connection with no client to tell, as the specification writes it. Netty's encoder writes
   * addresses after {@code UNKNOWN} and fails without them, so this one is written as it is.
   */
  private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

  private ProxyHeaders() {
  }

  /**
   * Writes, not flushed, the header for a connection from {@code source} to {@code destination} (the address the
   * client reached) on the channel of {@code ctx}, from {@code ctx}'s place in the pipeline: Netty's encoder is put
   * just before it for this one write. Call on the channel's event loop, before any other byte is written.
   */
  public static void write(ChannelHandlerContext ctx, ProxyProtocolVersion version, SocketAddress source,
      SocketAddress destination) {
    HAProxyMessage message = message(version, source, destination);
    if (message == null) {
      ctx.write(Unpooled.wrappedBuffer(V1_UNKNOWN), ctx.voidPromise());
      return;
    }
    ChannelPipeline pipeline = ctx.pipeline();
    pipeline.addBefore(ctx.name(), ENCODER, HAProxyMessageEncoder.INSTANCE);
    try {
      ctx.write(message, ctx.voidPromise());
    } finally {
      pipeline.remove(ENCODER);
    }
  }

  /**
   * The header a health probe sends when asked to: v2's {@code LOCAL} command or v1's {@code UNKNOWN} protocol, which
   * tell the backend the connection is the proxy's own, with no client behind it.
   */
  public static byte[] local(ProxyProtocolVersion version) {
    if (version == ProxyProtocolVersion.V1) {
      return V1_UNKNOWN.clone();
    }
    ByteBuf bytes = encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
        HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    try {
      return ByteBufUtil.getBytes(bytes);
    } finally {
      bytes.release();
    }
  }

  /** The bytes of {@code message}, through Netty's encoder; for tests and probes, not the relay's path. */
  static ByteBuf encode(HAProxyMessage message) {
    EmbeddedChannel channel = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    channel.writeOutbound(message);
    ByteBuf bytes = channel.readOutbound();
    channel.finishAndReleaseAll();
    return bytes;
  }

  /**
   * The message for {@code source} and {@code destination}: TCP4 when both are IPv4, TCP6 otherwise (an IPv4 address
   * then written IPv4-mapped, as a dual-stack socket sees it). When either is not an IP address: v2's LOCAL
   * message, or null for v1, whose {@link #V1_UNKNOWN} is written as bytes.
   */
  static HAProxyMessage message(ProxyProtocolVersion version, SocketAddress source, SocketAddress destination) {
    HAProxyProtocolVersion wire = version == ProxyProtocolVersion.V1 ? HAProxyProtocolVersion.V1
        : HAProxyProtocolVersion.V2;
    InetAddress from = ip(source);
    InetAddress to = ip(destination);
    if (from == null || to == null) {
      return version == ProxyProtocolVersion.V1 ? null
          : new HAProxyMessage(wire, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }
    boolean v4 = from instanceof Inet4Address && to instanceof Inet4Address;
    return new HAProxyMessage(wire, HAProxyCommand.PROXY,
        v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        v4 ? from.getHostAddress() : v6(from), v4 ? to.getHostAddress() : v6(to), source.port(), destination.port());
  }

  /** The IP address of {@code address} (an IPv4-mapped IPv6 one as IPv4), or null when it is not an IP address. */
  private static InetAddress ip(SocketAddress address) {
    String host = address == null ? null : address.hostAddress();
    if (host == null || host.isEmpty()) {
      return null;
    }
    try {
      // A literal: no name lookup happens, and the JDK reads an IPv4-mapped IPv6 address as the IPv4 one.
      return InetAddress.getByName(host.indexOf(':') >= 0 ? "[" + host.replaceFirst("%.*", "") + "]" : host);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** An IPv6 address as RFC 5952 writes it ({@code 2001:db8::7}); an IPv4 one mapped ({@code ::ffff:192.0.2.7}). */
  private static String v6(InetAddress address) {
    return address instanceof Inet4Address ? "::ffff:" + address.getHostAddress() : NetUtil.toAddressString(address);
  }
}
