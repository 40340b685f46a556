package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.Durations;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.DnsServerAddressStream;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.spi.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One DNS source's queries: A and AAAA for a name, or SRV and then its targets' addresses, each answer classified so
 * that {@link DnsDiscovery} can tell "the name has these addresses" from "it has none" (NXDOMAIN, or an empty answer)
 * from "no usable answer" (a timeout, SERVFAIL, REFUSED, a truncated answer).
 *
 * <p>Netty's {@link DnsNameResolver} is the DNS client, used for its single queries ({@code query(server, question)})
 * rather than its resolution: those hand back the response code and the records with their TTLs, and nothing is
 * cached. Names are asked as written, without search domains; a recursive server's answer carries a CNAME chain with
 * the addresses at its end, and every address record of the answer is taken. A server that times out or fails is
 * followed by the next one, in order; NXDOMAIN and NOERROR answers are final.
 *
 * <p>Confined to one event loop: its methods are called there and complete their futures there.
 */
final class DnsLookup {

  /** What an answer says about the name. */
  enum Outcome {
    /** Addresses found. */
    FOUND,
    /** The name exists but has no address (NOERROR with no record of the type, or SRV targets without any). */
    EMPTY,
    /** The name does not exist. */
    NXDOMAIN,
    /** No usable answer: timed out, SERVFAIL, REFUSED, truncated; the set is unknown. */
    FAILED
  }

  /**
   * A source's answer.
   *
   * @param backends   the backends found, no id twice; empty unless {@link Outcome#FOUND}
   * @param ttlSeconds the lowest TTL of the records that gave them; 0 unless found
   * @param reason     why there is no backend, for logs and errors; empty when found
   */
  record Answer(Outcome outcome, List<Backend> backends, long ttlSeconds, String reason) {

    static Answer none(Outcome outcome, String reason) {
      return new Answer(outcome, List.of(), 0, reason);
    }
  }

  /** An SRV record's data. */
  private record Srv(int priority, int weight, int port, String target) {
  }

  /** A record of an answer, decoded: an {@link InetAddress} or an {@link Srv}. */
  private record Item(String name, long ttl, Object data) {
  }

  /** One query's reply: the answer section's items of the type asked, and the additional section's addresses. */
  private record Reply(Outcome outcome, List<Item> answers, List<Item> additional, String reason) {

    static Reply none(Outcome outcome, String reason) {
      return new Reply(outcome, List.of(), List.of(), reason);
    }
  }

  private final DnsNameResolver resolver;
  private final List<InetSocketAddress> servers;
  private final String timeout;

  @SuppressWarnings("unchecked")
  DnsLookup(EventLoop loop, Transport transport, DnsDiscoveryOptions options) {
    this.resolver = new DnsNameResolverBuilder(loop)
        .datagramChannelFactory(transport.datagramChannelFactory())
        // Over TCP when an answer comes back truncated (a large SRV set).
        .socketChannelFactory((ChannelFactory<? extends SocketChannel>) transport.channelFactory(false))
        .resolveCache(NoopDnsCache.INSTANCE)
        .queryTimeoutMillis(options.getQueryTimeout().toMillis())
        .recursionDesired(true)
        .build();
    this.servers = options.getServers();
    this.timeout = Durations.format(options.getQueryTimeout());
  }

  void close() {
    resolver.close();
  }

  /** The backends of {@code dns:NAME:PORT}: every A and AAAA address of {@code name}, on {@code port}. */
  Future<Answer> addresses(String name, int port) {
    return addressesOf(name, List.of()).map(reply -> {
      if (reply.outcome() != Outcome.FOUND) {
        return Answer.none(reply.outcome(), reply.reason());
      }
      Map<String, Backend> backends = new LinkedHashMap<>();
      for (Item item : reply.answers()) {
        Backend backend = new Backend(NetUtil.toAddressString((InetAddress) item.data()), port);
        backends.putIfAbsent(backend.id(), backend);
      }
      return new Answer(Outcome.FOUND, List.copyOf(backends.values()), minTtl(reply.answers()), "");
    });
  }

  /**
   * The backends of {@code srv:NAME}: each SRV record's target addresses on its port, with its priority and its
   * weight scaled into HPRP's range within its priority group. Targets come from the additional section when it has
   * their addresses, else from A and AAAA queries; one target that cannot be resolved (timeout, SERVFAIL) makes the
   * whole answer unusable, so that a transient failure never drops its backends, while a target that does not exist
   * only has no backend.
   */
  Future<Answer> srv(String name) {
    return ask(name, DnsRecordType.SRV).compose(reply -> {
      if (reply.outcome() != Outcome.FOUND) {
        return Future.succeededFuture(Answer.none(reply.outcome(), reply.reason()));
      }
      List<Item> records = new ArrayList<>();
      Map<String, Future<Reply>> targets = new LinkedHashMap<>();
      for (Item item : reply.answers()) {
        Srv srv = (Srv) item.data();
        // RFC 2782: a target of "." says the service is decidedly not available at this name.
        if (!srv.target().isEmpty()) {
          records.add(item);
          targets.computeIfAbsent(srv.target(), target -> addressesOf(target, reply.additional()));
        }
      }
      if (records.isEmpty()) {
        return Future.succeededFuture(Answer.none(Outcome.EMPTY, "its SRV records name no target (\".\")"));
      }
      return Future.join(new ArrayList<>(targets.values())).transform(done ->
          Future.succeededFuture(srvAnswer(records, targets)));
    });
  }

  private static Answer srvAnswer(List<Item> records, Map<String, Future<Reply>> targets) {
    for (Map.Entry<String, Future<Reply>> target : targets.entrySet()) {
      Reply reply = target.getValue().result();
      if (reply.outcome() == Outcome.FAILED) {
        return Answer.none(Outcome.FAILED, "SRV target " + target.getKey() + ": " + reply.reason());
      }
    }
    Map<Integer, Integer> heaviest = new LinkedHashMap<>();
    for (Item record : records) {
      Srv srv = (Srv) record.data();
      heaviest.merge(srv.priority(), srv.weight(), Math::max);
    }
    Map<String, Backend> backends = new LinkedHashMap<>();
    long ttl = minTtl(records);
    for (Item record : records) {
      Srv srv = (Srv) record.data();
      Reply addresses = targets.get(srv.target()).result();
      ttl = Math.min(ttl, minTtl(addresses.answers()));
      int weight = scaledWeight(srv.weight(), heaviest.get(srv.priority()));
      for (Item address : addresses.answers()) {
        Backend backend = new Backend(NetUtil.toAddressString((InetAddress) address.data()), srv.port(), weight,
            srv.priority());
        // One address named twice (two records, or two targets) keeps its best: the lowest priority, the highest
        // weight.
        backends.merge(backend.id(), backend, (a, b) -> a.priority() != b.priority()
            ? (a.priority() < b.priority() ? a : b) : (a.weight() >= b.weight() ? a : b));
      }
    }
    if (backends.isEmpty()) {
      return Answer.none(Outcome.EMPTY, "no SRV target has an address");
    }
    return new Answer(Outcome.FOUND, List.copyOf(backends.values()), ttl, "");
  }

  /**
   * An SRV weight (0-65535) as a backend weight (1-{@value Backend#MAX_WEIGHT}): as it is when the group's heaviest
   * fits, else scaled so that the heaviest is {@value Backend#MAX_WEIGHT}; never below 1, so a weight-0 target gets
   * the smallest share rather than none (RFC 2782 gives it "a very small chance").
   */
  static int scaledWeight(int weight, int heaviest) {
    if (heaviest <= Backend.MAX_WEIGHT) {
      return Math.max(1, weight);
    }
    return (int) Math.max(1, Math.round(weight * (double) Backend.MAX_WEIGHT / heaviest));
  }

  /**
   * The A and AAAA addresses of {@code name}: as it is when it is an IP address; from {@code known} (an SRV answer's
   * additional section) when that has any for the name; else from two queries, whose outcomes combine: a failure of
   * either fails both (an IPv6 set missing for a timeout must not drop those backends); both NXDOMAIN is NXDOMAIN;
   * otherwise their addresses.
   */
  private Future<Reply> addressesOf(String name, List<Item> known) {
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(name);
    if (literal != null) {
      try {
        Item address = new Item(name, Long.MAX_VALUE, InetAddress.getByAddress(literal));
        return Future.succeededFuture(new Reply(Outcome.FOUND, List.of(address), List.of(), ""));
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // the parser returns 4 or 16 bytes
      }
    }
    List<Item> given = known.stream().filter(item -> item.name().equals(normalized(name))).toList();
    if (!given.isEmpty()) {
      return Future.succeededFuture(new Reply(Outcome.FOUND, given, List.of(), ""));
    }
    Future<Reply> a = ask(name, DnsRecordType.A);
    Future<Reply> aaaa = ask(name, DnsRecordType.AAAA);
    return Future.join(a, aaaa).transform(done -> {
      Reply v4 = a.result();
      Reply v6 = aaaa.result();
      for (Reply reply : List.of(v4, v6)) {
        if (reply.outcome() == Outcome.FAILED) {
          return Future.succeededFuture(reply);
        }
      }
      if (v4.outcome() == Outcome.NXDOMAIN && v6.outcome() == Outcome.NXDOMAIN) {
        return Future.succeededFuture(v4);
      }
      List<Item> addresses = new ArrayList<>(v4.answers());
      addresses.addAll(v6.answers());
      return Future.succeededFuture(addresses.isEmpty()
          ? Reply.none(Outcome.EMPTY, "no A or AAAA record (empty answer)")
          : new Reply(Outcome.FOUND, addresses, List.of(), ""));
    });
  }

  /** Asks each server in turn until one gives a final answer (NOERROR or NXDOMAIN); never fails. */
  private Future<Reply> ask(String name, DnsRecordType type) {
    List<InetSocketAddress> candidates = servers.isEmpty() ? systemServers(name) : servers;
    return askFrom(candidates, 0, name, type, null);
  }

  private Future<Reply> askFrom(List<InetSocketAddress> candidates, int index, String name, DnsRecordType type,
      Reply previous) {
    if (index >= candidates.size()) {
      return Future.succeededFuture(previous != null ? previous
          : Reply.none(Outcome.FAILED, "no DNS server to ask (none configured in /etc/resolv.conf)"));
    }
    InetSocketAddress server = candidates.get(index);
    Promise<Reply> reply = Promise.promise();
    resolver.query(server, new DefaultDnsQuestion(name, type)).addListener(
        (io.netty.util.concurrent.Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> done) -> {
          if (done.isSuccess()) {
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope = done.getNow();
            try {
              reply.complete(read(envelope.content(), type, server));
            } catch (RuntimeException e) {
              reply.complete(Reply.none(Outcome.FAILED, type.name() + " answer from " + hostPort(server)
                  + " unreadable: " + e.getMessage()));
            } finally {
              envelope.release();
            }
          } else {
            reply.complete(Reply.none(Outcome.FAILED, failure(type, server, done.cause())));
          }
        });
    return reply.future().compose(r -> r.outcome() == Outcome.FAILED
        ? askFrom(candidates, index + 1, name, type, r) : Future.succeededFuture(r));
  }

  private String failure(DnsRecordType type, InetSocketAddress server, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof DnsNameResolverTimeoutException) {
        return type.name() + " query to " + hostPort(server) + " timed out after " + timeout;
      }
    }
    return type.name() + " query to " + hostPort(server) + " failed: " + cause;
  }

  private static Reply read(DnsResponse response, DnsRecordType type, InetSocketAddress server) {
    DnsResponseCode code = response.code();
    if (code.equals(DnsResponseCode.NXDOMAIN)) {
      return Reply.none(Outcome.NXDOMAIN, "no such name (NXDOMAIN)");
    }
    if (!code.equals(DnsResponseCode.NOERROR)) {
      return Reply.none(Outcome.FAILED, type.name() + " query answered " + codeName(code) + " by "
          + hostPort(server));
    }
    if (response.isTruncated()) {
      return Reply.none(Outcome.FAILED, type.name() + " answer from " + hostPort(server) + " truncated");
    }
    List<Item> answers = items(response, DnsSection.ANSWER, type);
    List<Item> additional = type == DnsRecordType.SRV ? new ArrayList<>() : List.of();
    if (type == DnsRecordType.SRV) {
      additional.addAll(items(response, DnsSection.ADDITIONAL, DnsRecordType.A));
      additional.addAll(items(response, DnsSection.ADDITIONAL, DnsRecordType.AAAA));
    }
    if (answers.isEmpty()) {
      return Reply.none(Outcome.EMPTY, "no " + type.name() + " record (empty answer)");
    }
    return new Reply(Outcome.FOUND, answers, additional, "");
  }

  /** The response code as RFC 1035 and dig spell it ({@code SERVFAIL}, {@code REFUSED}), else Netty's name. */
  private static String codeName(DnsResponseCode code) {
    return switch (code.intValue()) {
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      default -> code.toString();
    };
  }

  private static List<Item> items(DnsResponse response, DnsSection section, DnsRecordType type) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < response.count(section); i++) {
      DnsRecord record = response.recordAt(section, i);
      if (record.type().equals(type) && record instanceof DnsRawRecord raw) {
        items.add(new Item(normalized(record.name()), record.timeToLive(), decode(type, raw.content())));
      }
    }
    return items;
  }

  private static Object decode(DnsRecordType type, ByteBuf content) {
    ByteBuf data = content.duplicate();
    if (type == DnsRecordType.SRV) {
      int priority = data.readUnsignedShort();
      int weight = data.readUnsignedShort();
      int port = data.readUnsignedShort();
      // The target may point into the rest of the message (name compression); the content shares its indexes.
      String target = normalized(DefaultDnsRecordDecoder.decodeName(data));
      return new Srv(priority, weight, port, target);
    }
    int length = type == DnsRecordType.A ? 4 : 16;
    if (data.readableBytes() != length) {
      throw new IllegalArgumentException(type.name() + " record of " + data.readableBytes() + " bytes");
    }
    byte[] bytes = new byte[length];
    data.readBytes(bytes);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes are always an address
    }
  }

  private static long minTtl(List<Item> items) {
    return items.stream().mapToLong(Item::ttl).min().orElse(Long.MAX_VALUE);
  }

  /** A name as compared here: lower case, without the root's trailing dot ({@code "."} becomes empty). */
  static String normalized(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  private static List<InetSocketAddress> systemServers(String name) {
    DnsServerAddressStream stream = DnsServerAddressStreamProviders.platformDefault().nameServerAddressStream(name);
    List<InetSocketAddress> result = new ArrayList<>(stream.size());
    for (int i = 0; i < stream.size(); i++) {
      result.add(stream.next());
    }
    return result;
  }

  private static String hostPort(InetSocketAddress server) {
    String host = NetUtil.toAddressString(server.getAddress());
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + server.getPort();
  }
}
