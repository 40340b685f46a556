package dev.hprp.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hprp.proxy.BackendStatus;
import dev.hprp.proxy.ReverseProxy;
import dev.hprp.proxy.testing.Figures;
import dev.hprp.proxy.testing.NativeVertx;
import dev.hprp.proxy.testing.Resources;
import dev.hprp.proxy.testing.StreamingBackend;
import dev.hprp.proxy.testing.TcpQueues;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow readers in front of fast writers: 50 clients read at a trickle while two backends try to push 20 MiB to each
 * (200 MiB under {@code -Psoak}). The proxy must pass the slowness back to the backends (stop reading from them)
 * instead of buffering, then, when the clients read at full speed, deliver every byte in order (CRC-32C per stream).
 *
 * <p>Where the bytes are is measured, not guessed from buffer sizes (which Linux autotunes up to
 * {@code net.ipv4.tcp_wmem} and {@code tcp_rmem}): the kernel's queues of every socket on the path are read
 * ({@link TcpQueues}), and the clients are plain NIO sockets the test reads itself, so nothing
 * sits between their kernel queue and the test. What the proxy read from the backends, minus what is queued in the
 * kernel towards the clients and what the clients read, is then what the proxy holds in its JVM: it must stay within
 * a write queue and a few reads per connection. And once the queues towards the clients are full, the backends' bytes
 * must wait unread in the proxy's receive queues, which never empty: a proxy that kept reading would empty them. Both
 * fail when the relay does not stop reading from a backend whose client cannot keep up (checked by disabling that in
 * {@code TcpRelay}: receive queues empty at every sample and 3.9 MiB per connection held; on the machine starved of
 * CPU, empty at half the samples and 2.9 MiB held).
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
  private static final int TICK_MILLIS = 250;
  /**
   * How long the kernel's queues between proxy and clients may take to fill: 2-5 s here, 24 s with the machine's two
   * cores shared by a load of 25.
   */
  private static final Duration FILL_TIMEOUT = Duration.ofSeconds(60);
  /** How long the clients stay slow once those queues are full. */
  private static final long SLOW_PHASE_MILLIS = 4000;
  /**
   * Pause between two samples; a sample itself asks the kernel for the path's sockets ({@link TcpQueues}), which
   * takes 10-200 ms.
   */
  private static final long SAMPLE_MILLIS = 100;
  /** The fewest samples that show the bytes backed up, and that the slow phase must have. */
  private static final int MIN_SAMPLES = 5;
  /** The least time those samples must span to show the bytes backed up. */
  private static final Duration BACKED_UP_SPAN = Duration.ofSeconds(1);
  /** Client receive buffer and backend send buffer: small, so that the kernel holds little of the gap. */
  private static final int SOCKET_BUFFER = 64 * 1024;
  /**
   * What the proxy may hold in its JVM per connection when it applies backpressure: its write queue towards the
   * client up to Netty's high-water mark (64 KiB), plus the reads that complete after it stopped reading from the
   * backend (up to 64 KiB each: the one that crossed the mark, and on io_uring those already under way). Seen here:
   * 30-50 KiB, and up to 260 KiB while the machine starved the proxy's event loops. Without backpressure it keeps
   * whatever the backends push beyond the kernel's queues: 3.9 MiB per connection by the end of the slow phase here,
   * and growing.
   */
  private static final long PROXY_HELD_PER_CONNECTION = 1L << 20;
  /**
   * What the proxy's receive queues from the backends hold per connection (on average over the connections, the
   * median of {@value #MIN_SAMPLES} samples over a second at least) to show the bytes backed up, which starts the slow
   * phase: a paused socket's queue fills up to its receive window, 64 KiB at the least (half the 128 KiB default of
   * {@code tcp_rmem}), and is refilled by the backend as fast as the proxy takes from it; medians seen here:
   * 700-900 KiB. A proxy that keeps reading leaves it empty, except while it is itself starved of CPU.
   */
  private static final long BACKED_UP_PER_CONNECTION = 32 * 1024;
  /**
   * The least those queues may hold per connection at any sample of the slow phase: a proxy that keeps from reading
   * the backends never empties them (the clients take 64 KiB per connection a tick, the backends refill at once);
   * seen here: 32-400 KiB at the least. One that keeps reading empties them whenever it runs: 0 at most samples,
   * even starved of CPU (then at half of them).
   */
  private static final long NEVER_EMPTY_PER_CONNECTION = 8 * 1024;

  /**
   * Memory a paused connection may hold in this JVM, on the heap or in Netty's direct buffers: the proxy's write
   * queue and reads, the backends' write queues, plus the pool's partly used chunks. Unbounded buffering would be
   * the whole streams.
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
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
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
    Path path = new Path(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.actualPort()),
        backends.stream().map(b -> new InetSocketAddress(b.backend().host(), b.backend().port()))
            .collect(Collectors.toSet()));
    long baselineHeap = Resources.usedHeapAfterGc();
    long baselineDirect = Resources.usedDirectMemory();

    List<SlowReader> readers = new ArrayList<>();
    // One thread for the clients' reads and the samples, so no client reads while a sample is taken (see Sample).
    ScheduledExecutorService slowPhase = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        readers.add(SlowReader.open(path.proxy()));
      }
      Watch watch = new Watch(proxy, path, readers, baselineDirect);
      slowPhase.scheduleAtFixedRate(watch::trickle, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
      slowPhase.scheduleWithFixedDelay(watch::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);

      // The kernel's queues towards the clients take a few seconds to fill (the proxy's send buffers autotune up to
      // tcp_wmem's maximum); once they are full, a proxy that applies backpressure stops reading from the backends,
      // whose bytes then back up in its receive queues and stay there. While the queues fill, a busy proxy also lags
      // behind now and then: only a second of samples counts. Not reached is a failure, reported with the others.
      long fillStart = System.nanoTime();
      boolean backedUp = watch.awaitBackedUp(FILL_TIMEOUT);
      long fillMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fillStart);
      watch.startSlowPhase();
      vertx.timer(SLOW_PHASE_MILLIS).await(SLOW_PHASE_MILLIS + 10_000, TimeUnit.MILLISECONDS);
      watch.awaitSlowPhaseSamples(FILL_TIMEOUT);
      slowPhase.shutdown();
      assertThat(slowPhase.awaitTermination(10, TimeUnit.SECONDS)).as("slow phase's reads and samples ended").isTrue();
      long readWhileSlow = readers.stream().mapToLong(SlowReader::read).sum();
      long heapWhileSlow = Resources.usedHeapAfterGc();

      SoftAssertions slow = new SoftAssertions();
      slow.assertThat(backedUp).as("the backends' bytes backed up unread in the proxy's receive queues within %s: it "
          + "stopped reading from them once its clients could take no more", FILL_TIMEOUT).isTrue();
      long leastUnread = Collections.min(watch.unreadInSlowPhase);
      slow.assertThat(leastUnread).as("the proxy kept from reading the backends while its clients were slow: its "
          + "receive queues from them never emptied in the slow phase (least of %d samples: %s)",
          watch.unreadInSlowPhase.size(), watch.unreadInSlowPhase)
          .isGreaterThanOrEqualTo(CLIENTS * NEVER_EMPTY_PER_CONNECTION);
      slow.assertThat(watch.maxHeldByProxy).as("bytes the proxy read from the backends that were neither queued in "
          + "the kernel towards the clients nor read by them: held in the proxy (most at a sample)")
          .isLessThanOrEqualTo(CLIENTS * PROXY_HELD_PER_CONNECTION);
      slow.assertThat(readers).as("the clients read slower than the streams came: none ended while slow")
          .noneMatch(SlowReader::ended);
      slow.assertThat(heapWhileSlow - baselineHeap).as("live heap growth while slow")
          .isLessThan(CLIENTS * MEMORY_PER_PAUSED_CONNECTION);
      if (baselineDirect >= 0) {
        slow.assertThat(watch.maxDirect - baselineDirect).as("peak growth of Netty's direct memory while slow")
            .isLessThan(CLIENTS * DIRECT_PER_PAUSED_CONNECTION);
      }
      slow.assertAll();

      List<Received> received = SlowReader.readToTheEnd(readers, Duration.ofSeconds(150));
      List<StreamingBackend.Stream> sent = backends.stream().flatMap(b -> b.sent().stream()).toList();
      assertThat(received).as("every stream arrived whole: same numbers, lengths and CRC-32C")
          .extracting(r -> new StreamingBackend.Stream(r.number(), r.length(), r.crc()))
          .containsExactlyInAnyOrderElementsOf(sent);
      assertThat(sent).hasSize(CLIENTS);
      Proxies.awaitNoActiveConnections(proxy);

      Figures.record(SCENARIO, "clients x bytes pushed",
          CLIENTS + " x " + (STREAM_BYTES >> 20) + " MiB, all CRC-32C equal");
      Figures.record(SCENARIO, "kernel queues towards the clients full, the proxy no longer reading, after",
          fillMillis + " ms");
      Figures.record(SCENARIO, "read by the clients until the end of the slow phase", (readWhileSlow >> 20)
          + " MiB (" + SLOW_PHASE_MILLIS + " ms after the queues were full)");
      Figures.record(SCENARIO, "most held in the proxy's JVM, per connection",
          Figures.kib((double) watch.maxHeldByProxy / CLIENTS) + " (allowance "
              + Figures.kib(PROXY_HELD_PER_CONNECTION) + ")");
      Figures.record(SCENARIO, "most queued in the kernel between proxy and clients, per connection",
          Figures.kib((double) watch.maxToClients / CLIENTS));
      Figures.record(SCENARIO, "backends' bytes unread in the proxy's receive queues, per connection: least / median "
          + "in the slow phase / most", Figures.kib((double) leastUnread / CLIENTS) + " (floor "
          + Figures.kib(NEVER_EMPTY_PER_CONNECTION) + ") / "
          + Figures.kib((double) Watch.median(watch.unreadInSlowPhase) / CLIENTS) + " / "
          + Figures.kib((double) watch.maxUnread / CLIENTS));
      Figures.record(SCENARIO, "samples of the kernel queues in the slow phase", watch.slowPhaseSamples);
      Figures.record(SCENARIO, "backend writes that found the queue full", backends.stream()
          .mapToLong(StreamingBackend::writeQueueFullCount).sum());
      Figures.record(SCENARIO, "live heap growth while slow, per connection",
          Figures.kib((double) (heapWhileSlow - baselineHeap) / CLIENTS));
      Figures.record(SCENARIO, "Netty direct memory reserved while slow (peak growth, pooled chunks included)",
          Figures.kib(watch.maxDirect - baselineDirect));
    } finally {
      slowPhase.shutdownNow();
      readers.forEach(SlowReader::close);
    }
    proxy.close().await(10, TimeUnit.SECONDS);
    // Every relayed byte went through the heap on its way: collect now, not in the middle of the next test.
    Figures.record(SCENARIO, "live heap after, vs before", Figures.kib(Resources.usedHeapAfterGc() - baselineHeap));
  }

  /**
   * The slow phase: the clients' trickle of reads and the samples of where the bytes are, both run by one thread of
   * the test (so its fields need no locks; the test reads them after that thread ended), and whether the backends'
   * bytes have backed up in the proxy, which the test thread polls.
   *
   * <p>Whether the bytes have backed up is judged by the median of several samples, not by single ones: while the
   * kernel's queues towards the clients fill, a busy proxy lags behind its backends now and then.
   */
  private static final class Watch {
    private final ReverseProxy proxy;
    private final Path path;
    private final List<SlowReader> readers;
    /** Time and unread bytes of the last {@link SlowReadersIT#MIN_SAMPLES} samples. */
    private final Deque<long[]> recent = new ArrayDeque<>();
    private volatile boolean backedUp;
    private volatile boolean slowPhase;
    private volatile int slowPhaseSamples;
    final List<Long> unreadInSlowPhase = new ArrayList<>();
    long maxHeldByProxy = Long.MIN_VALUE;
    long maxToClients;
    long maxUnread;
    long maxDirect;

    Watch(ReverseProxy proxy, Path path, List<SlowReader> readers, long baselineDirect) {
      this.proxy = proxy;
      this.path = path;
      this.readers = readers;
      this.maxDirect = baselineDirect;
    }

    void trickle() {
      for (SlowReader reader : readers) {
        reader.read(TRICKLE_BYTES_PER_SECOND / (1000 / TICK_MILLIS));
      }
    }

    void sample() {
      Sample sample = Sample.take(proxy, path, readers);
      long now = System.nanoTime();
      recent.addLast(new long[] {now, sample.unreadFromBackends()});
      if (recent.size() > MIN_SAMPLES) {
        recent.removeFirst();
      }
      backedUp = recent.size() == MIN_SAMPLES && now - recent.getFirst()[0] >= BACKED_UP_SPAN.toNanos()
          && median(recent.stream().map(s -> s[1]).toList()) >= CLIENTS * BACKED_UP_PER_CONNECTION;
      maxHeldByProxy = Math.max(maxHeldByProxy, sample.heldByProxy());
      maxToClients = Math.max(maxToClients, sample.toClients());
      maxUnread = Math.max(maxUnread, sample.unreadFromBackends());
      if (slowPhase) {
        unreadInSlowPhase.add(sample.unreadFromBackends());
        slowPhaseSamples++;
      }
      maxDirect = Math.max(maxDirect, Resources.usedDirectMemory());
    }

    /**
     * Waits, at most {@code timeout}, until the median of the last {@value SlowReadersIT#MIN_SAMPLES} samples,
     * spanning a second at least, shows the backends' bytes backed up; false if never.
     */
    boolean awaitBackedUp(Duration timeout) {
      try {
        await().atMost(timeout).pollInterval(Duration.ofMillis(SAMPLE_MILLIS)).until(() -> backedUp);
        return true;
      } catch (ConditionTimeoutException e) {
        return false;
      }
    }

    void startSlowPhase() {
      slowPhase = true;
    }

    /**
     * Waits, at most {@code timeout}, until the slow phase has had {@value SlowReadersIT#MIN_SAMPLES} samples: on a
     * starved machine one sample may take seconds, and a phase judged on one or two proves nothing.
     */
    void awaitSlowPhaseSamples(Duration timeout) {
      await("samples in the slow phase").atMost(timeout).pollInterval(Duration.ofMillis(SAMPLE_MILLIS))
          .until(() -> slowPhaseSamples >= MIN_SAMPLES);
    }

    static long median(List<Long> values) {
      List<Long> sorted = values.stream().sorted().toList();
      return sorted.get(sorted.size() / 2);
    }
  }

  /** The addresses that tell the path's sockets apart in the kernel's tables: the proxy's and the backends'. */
  private record Path(InetSocketAddress proxy, Set<InetSocketAddress> backends) {

    Set<Integer> ports() {
      Set<Integer> ports = new HashSet<>();
      ports.add(proxy.getPort());
      backends.forEach(backend -> ports.add(backend.getPort()));
      return ports;
    }
  }

  /**
   * One reading of where the bytes between the backends and the clients are, taken against their flow: what the
   * proxy read from the backends first, then the kernel queues, then what the clients read (the clients do not read
   * meanwhile: the same thread reads for them). A byte counted as held in the proxy was then in the proxy when the
   * reading began: one that moved on into the kernel while the queues were read is counted there, or twice, never
   * as held, so the figure is never overestimated.
   *
   * @param fromBackends       what the proxy read from the backends ({@link BackendStatus#bytesFromBackend()})
   * @param toClients          queued in the kernel from the proxy to the clients: the proxy's client sockets' send
   *                           queues and the clients' receive queues
   * @param read               what the clients read
   * @param unreadFromBackends the proxy's backend sockets' receive queues: sent by the backends, not read by the proxy
   */
  private record Sample(long fromBackends, long toClients, long read, long unreadFromBackends) {

    static Sample take(ReverseProxy proxy, Path path, List<SlowReader> readers) {
      long fromBackends = proxy.backends().stream().mapToLong(BackendStatus::bytesFromBackend).sum();
      List<TcpQueues.Socket> sockets = TcpQueues.established(path.ports());
      long toClients = TcpQueues.sendQueued(sockets, s -> s.local().equals(path.proxy()))
          + TcpQueues.receiveQueued(sockets, s -> s.remote().equals(path.proxy()));
      long unread = TcpQueues.receiveQueued(sockets, s -> path.backends().contains(s.remote()));
      long read = readers.stream().mapToLong(SlowReader::read).sum();
      return new Sample(fromBackends, toClients, read, unread);
    }

    /** Read by the proxy, neither in the kernel towards the clients nor read by them: in the proxy's JVM. */
    long heldByProxy() {
      return fromBackends - toClients - read;
    }
  }

  /** What a client received: the stream number, payload length and CRC-32C. */
  private record Received(long number, long length, long crc) {
  }

  /**
   * A client on a plain NIO socket that the test reads itself, so that nothing is buffered between its kernel queue
   * and the count of bytes read: {@link #read(long)} takes at most a quota of what has arrived, without waiting.
   * Used by one thread at a time; {@link #read()} may be called from any thread.
   */
  private static final class SlowReader {
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer header = ByteBuffer.allocate(8);
    private volatile long read;
    private boolean ended;

    private SlowReader(SocketChannel channel) {
      this.channel = channel;
    }

    /** Connects with a receive buffer of {@link #SOCKET_BUFFER}, set before the connect so the window obeys it. */
    static SlowReader open(InetSocketAddress proxy) throws IOException {
      SocketChannel channel = SocketChannel.open();
      try {
        channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        channel.socket().connect(proxy, 10_000);
        channel.configureBlocking(false);
        return new SlowReader(channel);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
    }

    /** Reads what has arrived, at most {@code quota} bytes; notes the end of the stream. */
    void read(long quota) {
      try {
        long left = quota;
        while (left > 0 && !ended) {
          buffer.clear().limit((int) Math.min(buffer.capacity(), left));
          int n = channel.read(buffer);
          if (n < 0) {
            // The proxy passes the backend's FIN on, and would keep the other direction open: close, as clients do.
            ended = true;
            channel.close();
          } else if (n == 0) {
            return;
          } else {
            consume(buffer.flip());
            left -= n;
            read += n;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void consume(ByteBuffer data) {
      while (header.hasRemaining() && data.hasRemaining()) {
        header.put(data.get());
      }
      crc.update(data);
    }

    /** Reads every stream to its end, as fast as the data comes; fails past {@code timeout}. */
    static List<Received> readToTheEnd(List<SlowReader> readers, Duration timeout) throws IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      try (Selector selector = Selector.open()) {
        int open = 0;
        for (SlowReader reader : readers) {
          reader.read(Long.MAX_VALUE);
          if (!reader.ended) {
            reader.channel.register(selector, SelectionKey.OP_READ, reader);
            open++;
          }
        }
        while (open > 0) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            throw new AssertionError(open + " streams still open after " + timeout);
          }
          selector.select(Math.min(left, 1000));
          for (SelectionKey key : selector.selectedKeys()) {
            SlowReader reader = (SlowReader) key.attachment();
            reader.read(Long.MAX_VALUE);
            if (reader.ended) {
              key.cancel();
              open--;
            }
          }
          selector.selectedKeys().clear();
        }
      }
      return readers.stream().map(SlowReader::received).toList();
    }

    private Received received() {
      return new Received(header.position() == 8 ? header.getLong(0) : -1, read - header.position(), crc.getValue());
    }

    long read() {
      return read;
    }

    boolean ended() {
      return ended;
    }

    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
