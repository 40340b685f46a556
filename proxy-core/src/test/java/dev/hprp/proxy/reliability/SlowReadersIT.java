package dev.hprp.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.Resources;
import dev.hprp.proxy.testing.StreamingBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow readers in front of fast writers: 50 clients read at a trickle while two backends try to push 20 MiB to each
 * (200 MiB under {@code -Psoak}).
 * The proxy must pass the slowness back to the backends (stop reading from them) instead of buffering: what it has
 * taken from the backends but not yet delivered stays within the socket buffers' allowance per connection, the
 * backends see their write queues fill, and the JVM's memory stays flat. Then the clients read at full speed and every byte arrives, in order
 * (CRC-32C per stream).
 *
 * <p>Counts and sizes can be changed with {@code hprp.reliability.slowReaders} and
 * {@code hprp.reliability.slowReaderMiB}.
 */
class SlowReadersIT {

  private static final String SCENARIO = "slow readers";
  private static final int CLIENTS = Integer.getInteger("hprp.reliability.slowReaders", 50);
  private static final long STREAM_BYTES = Long.getLong("hprp.reliability.slowReaderMiB", 20) << 20;
  /** Each client's reading rate in the slow phase. */
  private static final int TRICKLE_BYTES_PER_SECOND = 256 * 1024;
  /** The trickle is doled out per tick; a read may bring up to 64 KiB, so ticks are long enough to hold one. */
  private static final int TICK_MILLIS = 250;
  private static final long SLOW_PHASE_MILLIS = 4000;
  /** Client receive buffer and backend send buffer: small, so that kernel buffers hold little of the gap. */
  private static final int SOCKET_BUFFER = 64 * 1024;
  /**
   * What may sit between the proxy's reads from a backend and the client's reads, per connection, when the proxy
   * applies backpressure: the kernel send buffer of the proxy's client socket (autotuned up to
   * {@code net.ipv4.tcp_wmem}'s maximum, 4 MiB by default: kernel memory, not the JVM's), its write queue (Netty's
   * 64 KiB high-water mark), the client's receive buffer (the kernel doubles the 64 KiB asked) and the reads the
   * client's paused socket already took in (Vert.x queues up to 16). Without backpressure it would be most of the
   * stream.
   */
  private static final long ALLOWANCE_PER_CONNECTION = tcpSendBufferMax() + (4 << 20);

  /**
   * Memory a paused connection may hold in this JVM, on the heap or in Netty's direct buffers: a paused socket stops
   * reading only once 16 reads (of up to 64 KiB each) are queued, in the proxy's socket towards the backend (direct
   * buffers, handed on as they are) and in the test client's socket (copied to the heap by Vert.x): 2 MiB, plus
   * write queues and the pool's partly used chunks. Unbounded buffering would be the whole streams.
   */
  private static final long MEMORY_PER_PAUSED_CONNECTION = 4L << 20;
  /**
   * Netty's direct memory counts whole pool chunks, reserved per event loop and kept while partly used: the peak
   * seen here was 3.6 MiB per connection. Still far below what buffering the streams would take.
   */
  private static final long DIRECT_PER_PAUSED_CONNECTION = 8L << 20;

  @RegisterExtension
  final NativeVertx nativeVertx = new NativeVertx();

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void slowClientsThrottleTheBackendsInsteadOfFillingTheProxyAndReceiveEveryByte() throws Exception {
    Vertx vertx = nativeVertx.get();
    List<StreamingBackend> backends = List.of(
        StreamingBackend.start(vertx, STREAM_BYTES, SOCKET_BUFFER).await(),
        StreamingBackend.start(vertx, STREAM_BYTES, SOCKET_BUFFER).await());
    ReverseProxy proxy = ReverseProxy.builder(vertx)
        .backends(backends.stream().map(StreamingBackend::backend).toList())
        .with(Proxies.loopback())
        .build();
    proxy.start().await(10, TimeUnit.SECONDS);
    NetClient client = vertx.createNetClient(new NetClientOptions().setReceiveBufferSize(SOCKET_BUFFER));
    long baselineHeap = Resources.usedHeapAfterGc();
    long baselineDirect = Resources.usedDirectMemory();

    List<SlowReader> readers = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      readers.add(SlowReader.open(vertx, client, proxy.actualPort()).await(10, TimeUnit.SECONDS));
    }
    AtomicLong maxProxyHeld = new AtomicLong();
    AtomicLong maxBackendAhead = new AtomicLong();
    AtomicLong maxDirect = new AtomicLong(baselineDirect);
    long sampler = vertx.setPeriodic(100, id -> {
      long fromBackends = proxy.backends().stream().mapToLong(BackendStatus::bytesFromBackend).sum();
      long read = readers.stream().mapToLong(SlowReader::read).sum();
      maxProxyHeld.accumulateAndGet(fromBackends - read, Math::max);
      for (SlowReader reader : readers) {
        if (reader.number() >= 0) {
          long flushed = backends.stream().mapToLong(b -> b.flushed(reader.number())).max().orElse(0);
          maxBackendAhead.accumulateAndGet(flushed - reader.payloadRead(), Math::max);
        }
      }
      maxDirect.accumulateAndGet(Resources.usedDirectMemory(), Math::max);
    });

    vertx.timer(SLOW_PHASE_MILLIS).await(SLOW_PHASE_MILLIS + 10_000, TimeUnit.MILLISECONDS);
    long heapWhileSlow = Resources.usedHeapAfterGc();
    long readWhileSlow = readers.stream().mapToLong(SlowReader::read).sum();
    long heldWhileSlow = maxProxyHeld.get();
    long aheadWhileSlow = maxBackendAhead.get();
    long directWhileSlow = maxDirect.get();
    readers.forEach(SlowReader::readFast);
    List<Received> received = Future.all(readers.stream().map(SlowReader::done).toList())
        .await(150, TimeUnit.SECONDS).<Received>list();
    vertx.cancelTimer(sampler);

    assertThat(heldWhileSlow).as("bytes the proxy took from the backends that the clients had not read")
        .isLessThanOrEqualTo(CLIENTS * ALLOWANCE_PER_CONNECTION);
    assertThat(readWhileSlow).as("the clients read slowly: most of the streams was still to come")
        .isLessThan(CLIENTS * STREAM_BYTES / 4);
    assertThat(backends).as("the slowness reached the backends: their write queues filled")
        .allSatisfy(b -> assertThat(b.writeQueueFullCount()).isPositive());
    assertThat(heapWhileSlow - baselineHeap).as("live heap growth while slow")
        .isLessThan(CLIENTS * MEMORY_PER_PAUSED_CONNECTION);
    if (baselineDirect >= 0) {
      assertThat(directWhileSlow - baselineDirect).as("peak growth of Netty's direct memory while slow")
          .isLessThan(CLIENTS * DIRECT_PER_PAUSED_CONNECTION);
    }
    List<StreamingBackend.Stream> sent = backends.stream().flatMap(b -> b.sent().stream()).toList();
    assertThat(received).as("every stream arrived whole: same numbers, lengths and CRC-32C")
        .extracting(r -> new StreamingBackend.Stream(r.number(), r.length(), r.crc()))
        .containsExactlyInAnyOrderElementsOf(sent);
    assertThat(sent).hasSize(CLIENTS);
    Proxies.awaitNoActiveConnections(proxy);

    Figures.record(SCENARIO, "clients x bytes pushed", CLIENTS + " x " + (STREAM_BYTES >> 20) + " MiB, all CRC-32C equal");
    Figures.record(SCENARIO, "read by the clients in the slow phase", (readWhileSlow >> 20) + " MiB in "
        + SLOW_PHASE_MILLIS + " ms");
    Figures.record(SCENARIO, "most held between proxy and clients (kernel buffers included), per connection",
        Figures.kib((double) heldWhileSlow / CLIENTS) + " (allowance " + Figures.kib(ALLOWANCE_PER_CONNECTION) + ")");
    Figures.record(SCENARIO, "most a backend was ahead of its client (kernel buffers included)",
        Figures.kib(aheadWhileSlow));
    Figures.record(SCENARIO, "backend writes that found the queue full", backends.stream()
        .mapToLong(StreamingBackend::writeQueueFullCount).sum());
    Figures.record(SCENARIO, "live heap growth while slow, per connection (proxy and client sides)",
        Figures.kib((double) (heapWhileSlow - baselineHeap) / CLIENTS));
    Figures.record(SCENARIO, "Netty direct memory reserved while slow (peak growth, pooled chunks included)",
        Figures.kib(directWhileSlow - baselineDirect));
    client.close().await(10, TimeUnit.SECONDS);
    proxy.close().await(10, TimeUnit.SECONDS);
    // Every relayed byte was copied to the heap on its way: collect now, not in the middle of the next test.
    Figures.record(SCENARIO, "live heap after, vs before", Figures.kib(Resources.usedHeapAfterGc() - baselineHeap));
  }

  private static long tcpSendBufferMax() {
    try {
      // readAllLines, not readString: /proc files report a size of 0, and readString returned one byte here.
      String[] wmem = Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
      return Long.parseLong(wmem[2]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a client received: the stream number, payload length and CRC-32C. */
  private record Received(long number, long length, long crc) {
  }

  /**
   * A client that reads at most {@link #TRICKLE_BYTES_PER_SECOND} (pausing its socket for the rest of each tick)
   * until told to read fast. Confined to its socket's event loop; the counters may be read from any thread.
   */
  private static final class SlowReader {
    private final Vertx vertx;
    private final NetSocket socket;
    private final Promise<Received> done = Promise.promise();
    private final CRC32C crc = new CRC32C();
    private final Buffer header = Buffer.buffer(8);
    private byte[] scratch = new byte[64 * 1024];
    private final long timer;
    private volatile long read;
    private volatile long number = -1;
    private volatile boolean fast;
    private long readThisTick;

    private SlowReader(Vertx vertx, NetSocket socket) {
      this.vertx = vertx;
      this.socket = socket;
      socket.handler(this::received);
      socket.closeHandler(v -> done.tryComplete(new Received(number, read - header.length(), crc.getValue())));
      socket.exceptionHandler(done::tryFail);
      // Created on the socket's event loop, so ticks and reads never overlap.
      timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
    }

    static Future<SlowReader> open(Vertx vertx, NetClient client, int port) {
      return client.connect(port, "127.0.0.1").map(socket -> new SlowReader(vertx, socket));
    }

    private void received(Buffer data) {
      int start = 0;
      if (header.length() < 8) {
        start = Math.min(8 - header.length(), data.length());
        header.appendBuffer(data, 0, start);
        if (header.length() == 8) {
          number = header.getLong(0);
        }
      }
      int payload = data.length() - start;
      if (scratch.length < payload) {
        scratch = new byte[payload];
      }
      data.getBytes(start, data.length(), scratch, 0);
      crc.update(scratch, 0, payload);
      read += data.length();
      readThisTick += data.length();
      if (!fast && readThisTick >= TRICKLE_BYTES_PER_SECOND / (1000 / TICK_MILLIS)) {
        socket.pause();
      }
    }

    private void tick() {
      readThisTick = 0;
      socket.resume();
      if (fast || done.future().isComplete()) {
        vertx.cancelTimer(timer);
      }
    }

    /** From now on reads as fast as the data comes. */
    void readFast() {
      fast = true;
    }

    long read() {
      return read;
    }

    long payloadRead() {
      return Math.max(0, read - 8);
    }

    long number() {
      return number;
    }

    Future<Received> done() {
      return done.future();
    }
  }
}
