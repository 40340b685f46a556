package dev.hprp.proxy.testing;

import dev.hprp.proxy.discovery.DnsDiscoveryOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * An authoritative DNS server for tests, on {@code 127.0.0.1} and an ephemeral UDP port, built on Netty's DNS codec.
 * It answers A, AAAA and SRV questions from names the test sets and changes while it runs ({@link #a}, {@link #srv},
 * ...), each with its TTL; a name can instead answer SERVFAIL or NXDOMAIN, or not at all (the client times out).
 * A name it does not know is NXDOMAIN; a known name without records of the type asked gets an empty answer (NOERROR).
 *
 * <p>Thread-safe. {@link #queries} counts the questions received per name and type, so a test can wait for the next
 * resolution instead of sleeping.
 */
public final class TestDnsServer implements AutoCloseable {

  /** How a name answers. */
  public enum Mode {
    /** With its records (NOERROR; empty for a type it has none of). */
    RECORDS,
    /** SERVFAIL: the server could not answer. */
    SERVFAIL,
    /** NXDOMAIN: no such name. */
    NXDOMAIN,
    /** No answer at all: the client's query times out. */
    DROP
  }

  /** One SRV record's data. */
  public record Srv(int priority, int weight, int port, String target) {
  }

  /** A name's records by type, each type's with its TTL, and how the name answers. */
  private record Name(Mode mode, Map<DnsRecordType, Records> records) {
  }

  private record Records(long ttl, List<byte[]> data) {
  }

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Map<String, Name> names = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
  private volatile boolean srvAdditional;
  private Channel channel;

  private TestDnsServer() {
  }

  /** Starts a server on {@code 127.0.0.1} and an ephemeral port. */
  public static TestDnsServer start() {
    TestDnsServer server = new TestDnsServer();
    server.channel = new Bootstrap()
        .group(server.group)
        .channel(NioDatagramChannel.class)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                server.new Answering());
          }
        })
        .bind("127.0.0.1", 0)
        .syncUninterruptibly()
        .channel();
    return server;
  }

  /** Where it listens. */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Where it listens, as {@code --dns-server} takes it: {@code 127.0.0.1:PORT}. */
  public String hostPort() {
    return "127.0.0.1:" + address().getPort();
  }

  /**
   * Options for sources that ask only this server, again every 20-200 ms (a TTL of 0 gives the minimum; longer TTLs
   * are clamped to the maximum), and give up on a query after 300 ms.
   */
  public DnsDiscoveryOptions fastOptions() {
    return new DnsDiscoveryOptions().setServers(List.of(address())).setMinRefresh(Duration.ofMillis(20))
        .setMaxRefresh(Duration.ofMillis(200)).setQueryTimeout(Duration.ofMillis(300));
  }

  /**
   * Waits until {@code name} was asked {@code more} more times for {@code type}: that many more resolutions ran. At
   * most 20 s, a bound for a busy machine; the wait ends as soon as they did.
   */
  public void awaitQueries(String name, String type, int more) {
    int target = queries(name, type) + more;
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> queries(name, type) >= target);
  }

  /** Sets {@code name}'s A records (replacing them; none: an empty answer); the name answers with its records. */
  public TestDnsServer a(String name, long ttl, String... addresses) {
    return records(name, DnsRecordType.A, ttl, addresses(addresses, 4));
  }

  /** Sets {@code name}'s AAAA records, as {@link #a} does. */
  public TestDnsServer aaaa(String name, long ttl, String... addresses) {
    return records(name, DnsRecordType.AAAA, ttl, addresses(addresses, 16));
  }

  /** Sets {@code name}'s SRV records, as {@link #a} does. */
  public TestDnsServer srv(String name, long ttl, Srv... records) {
    List<byte[]> data = new ArrayList<>();
    for (Srv srv : records) {
      ByteBuf buf = Unpooled.buffer();
      buf.writeShort(srv.priority()).writeShort(srv.weight()).writeShort(srv.port());
      writeName(buf, srv.target());
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      data.add(bytes);
    }
    return records(name, DnsRecordType.SRV, ttl, data);
  }

  /** Whether SRV answers carry their targets' A and AAAA records in the additional section, as CoreDNS's do. */
  public TestDnsServer srvAdditional(boolean on) {
    this.srvAdditional = on;
    return this;
  }

  /** Makes {@code name} answer as {@code mode}, keeping its records for when it answers with them again. */
  public TestDnsServer mode(String name, Mode mode) {
    names.compute(key(name), (k, known) -> new Name(mode, known == null ? Map.of() : known.records()));
    return this;
  }

  /** Questions received about {@code name} for {@code type} ({@code A}, {@code AAAA}, {@code SRV}). */
  public int queries(String name, String type) {
    AtomicInteger count = queries.get(key(name) + "/" + type);
    return count == null ? 0 : count.get();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private TestDnsServer records(String name, DnsRecordType type, long ttl, List<byte[]> data) {
    names.compute(key(name), (k, known) -> {
      Map<DnsRecordType, Records> records = new ConcurrentHashMap<>(known == null ? Map.of() : known.records());
      records.put(type, new Records(ttl, List.copyOf(data)));
      return new Name(Mode.RECORDS, records);
    });
    return this;
  }

  private static List<byte[]> addresses(String[] addresses, int length) {
    List<byte[]> data = new ArrayList<>();
    for (String address : addresses) {
      byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
      if (bytes == null || bytes.length != length) {
        throw new IllegalArgumentException(address + " is not an IPv" + (length == 4 ? "4" : "6") + " address");
      }
      data.add(bytes);
    }
    return data;
  }

  private static void writeName(ByteBuf buf, String name) {
    for (String label : key(name).split("\\.")) {
      if (!label.isEmpty()) {
        byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
        buf.writeByte(bytes.length).writeBytes(bytes);
      }
    }
    buf.writeByte(0);
  }

  private static String key(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  /** Answers each question from {@link #names}. */
  private final class Answering extends SimpleChannelInboundHandler<DatagramDnsQuery> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
      DnsQuestion question = query.recordAt(DnsSection.QUESTION);
      String name = key(question.name());
      queries.computeIfAbsent(name + "/" + question.type().name(), k -> new AtomicInteger()).incrementAndGet();
      Name known = names.get(name);
      Mode mode = known == null ? Mode.NXDOMAIN : known.mode();
      if (mode == Mode.DROP) {
        return;
      }
      DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
      response.setAuthoritativeAnswer(true);
      response.setRecursionAvailable(true);
      response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
      response.setCode(switch (mode) {
        case SERVFAIL -> DnsResponseCode.SERVFAIL;
        case NXDOMAIN -> DnsResponseCode.NXDOMAIN;
        default -> DnsResponseCode.NOERROR;
      });
      if (mode == Mode.RECORDS) {
        add(response, DnsSection.ANSWER, question.name(), known.records().get(question.type()), question.type());
        if (srvAdditional && question.type() == DnsRecordType.SRV) {
          addTargets(response, known.records().get(DnsRecordType.SRV));
        }
      }
      ctx.writeAndFlush(response);
    }

    private void addTargets(DatagramDnsResponse response, Records srv) {
      if (srv == null) {
        return;
      }
      for (byte[] data : srv.data()) {
        ByteBuf buf = Unpooled.wrappedBuffer(data, 6, data.length - 6);
        String target = io.netty.handler.codec.dns.DefaultDnsRecordDecoder.decodeName(buf);
        Name targetName = names.get(key(target));
        if (targetName != null && targetName.mode() == Mode.RECORDS) {
          for (DnsRecordType type : List.of(DnsRecordType.A, DnsRecordType.AAAA)) {
            add(response, DnsSection.ADDITIONAL, target, targetName.records().get(type), type);
          }
        }
      }
    }

    private void add(DatagramDnsResponse response, DnsSection section, String name, Records records,
        DnsRecordType type) {
      if (records == null) {
        return;
      }
      for (byte[] data : records.data()) {
        response.addRecord(section,
            new DefaultDnsRawRecord(name, type, records.ttl(), Unpooled.wrappedBuffer(data)));
      }
    }
  }
}
