package dev.hprp.proxy.discovery;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.Durations;
import dev.hprp.proxy.discovery.DnsLookup.Answer;
import dev.hprp.proxy.discovery.DnsLookup.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code dns:NAME:PORT} or {@code srv:NAME} source: resolves its name, reports the backends found, and resolves it
 * again at the answer's TTL (clamped to the options' refresh range), keeping its last good set through failures.
 *
 * <p>What each answer does:
 * <ul>
 *   <li>addresses: reported when they differ from the last set (as a set: order does not matter); asked again at the
 *   lowest TTL among them;</li>
 *   <li>a timeout, SERVFAIL or other unusable answer, or NXDOMAIN, after a good answer: the last set stays, a warning
 *   is logged once per kind of failure, and the name is asked again after the minimum refresh, doubling with each
 *   further failure up to the maximum;</li>
 *   <li>an empty answer after a non-empty set: the set stays until empty answers have lasted the empty grace, then
 *   the source reports an empty set;</li>
 *   <li>at start-up, no address (NXDOMAIN, an empty answer) fails the start naming the record, and so does a
 *   failure still there after {@value #START_ATTEMPTS} attempts, unless empty sets are allowed: the source then
 *   starts with none and keeps asking.</li>
 * </ul>
 *
 * <p>Everything after {@link #start} runs on one event-loop context of its own, which the resolver's channel and the
 * timers share, so the state below needs no lock.
 */
final class DnsDiscovery implements BackendDiscovery {

  private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);

  /** Attempts at start-up when the DNS fails to answer (a lost packet must not stop a replica from starting). */
  static final int START_ATTEMPTS = 3;

  private final String spec;
  private final String name;
  /** The port of a {@code dns:} source; 0 for {@code srv:}, whose records give theirs. */
  private final int port;
  private final DnsDiscoveryOptions options;

  private ContextInternal context;
  private DiscoveryContext target;
  private DnsLookup lookup;
  private Promise<Void> first;
  /** The set last reported; null until the first. */
  private List<Backend> known;
  /** When empty answers began after a non-empty set (nanoTime); -1 while the last answer was not empty. */
  private long emptySince = -1;
  /** Consecutive answers without addresses, for the retry back-off and the start-up attempts. */
  private int misses;
  /** The problem last warned about, so that one that persists is logged once; null after a good answer. */
  private String warned;
  private long timer = -1;
  private boolean closed;

  DnsDiscovery(String spec, String name, int port, DnsDiscoveryOptions options) {
    this.spec = spec;
    this.name = name;
    this.port = port;
    this.options = options;
  }

  @Override
  public synchronized Future<Void> start(DiscoveryContext discoveryContext) {
    if (context != null) {
      return Future.failedFuture(new IllegalStateException(spec + ": already started"));
    }
    VertxInternal vertx = (VertxInternal) discoveryContext.vertx();
    target = discoveryContext;
    context = vertx.createEventLoopContext();
    first = context.promise();
    context.runOnContext(v -> {
      if (!closed) {
        lookup = new DnsLookup(context.nettyEventLoop(), vertx.transport(), options);
        resolve();
      }
    });
    return first.future();
  }

  @Override
  public synchronized Future<Void> close() {
    if (context == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = context.promise();
    context.runOnContext(v -> {
      if (!closed) {
        closed = true;
        if (timer >= 0) {
          context.owner().cancelTimer(timer);
        }
        if (lookup != null) {
          lookup.close();
        }
        first.tryFail(new DiscoveryException(spec + ": closed before its first answer", null));
      }
      done.complete();
    });
    return done.future();
  }

  private void resolve() {
    timer = -1;
    Future<Answer> answer = port > 0 ? lookup.addresses(name, port) : lookup.srv(name);
    answer.onComplete(ar -> {
      if (!closed) {
        onAnswer(ar.succeeded() ? ar.result()
            : Answer.none(Outcome.FAILED, "lookup failed: " + ar.cause()));
      }
    });
  }

  private void onAnswer(Answer answer) {
    switch (answer.outcome()) {
      case FOUND -> found(answer);
      case EMPTY, NXDOMAIN -> noAddress(answer);
      case FAILED -> failed(answer);
    }
  }

  private void found(Answer answer) {
    if (warned != null) {
      log.info("{}: answers again, {} backend(s)", spec, answer.backends().size());
      warned = null;
    }
    misses = 0;
    emptySince = -1;
    report(answer.backends());
    first.tryComplete();
    Duration ttl = Duration.ofSeconds(Math.min(answer.ttlSeconds(), Duration.ofDays(1).toSeconds()));
    schedule(clamp(ttl));
  }

  private void noAddress(Answer answer) {
    misses++;
    if (known == null) {
      startWithout(answer);
      return;
    }
    if (known.isEmpty()) {
      warnOnce(answer.reason() + "; still no backend from it");
      schedule(backoff());
      return;
    }
    if (answer.outcome() == Outcome.NXDOMAIN) {
      warnOnce(answer.reason() + "; keeping its " + known.size() + " known backend(s)");
      schedule(backoff());
      return;
    }
    long now = System.nanoTime();
    if (emptySince < 0) {
      emptySince = now;
    }
    Duration left = options.getEmptyGrace().minusNanos(now - emptySince);
    if (left.isNegative() || left.isZero()) {
      log.warn("{}: {} for {}: removing its {} backend(s)", spec, answer.reason(),
          Durations.format(options.getEmptyGrace()), known.size());
      warned = answer.reason();
      report(List.of());
      schedule(backoff());
      return;
    }
    warnOnce(answer.reason() + "; keeping its " + known.size() + " known backend(s) for up to "
        + Durations.format(options.getEmptyGrace()) + " of empty answers");
    Duration next = backoff();
    schedule(left.compareTo(next) < 0 ? left : next);
  }

  private void failed(Answer answer) {
    misses++;
    if (known == null && misses < START_ATTEMPTS) {
      log.warn("{}: {}; attempt {} of {}, retrying", spec, answer.reason(), misses, START_ATTEMPTS);
      schedule(backoff());
      return;
    }
    if (known == null) {
      startWithout(answer);
      return;
    }
    warnOnce(answer.reason() + "; keeping its " + known.size() + " known backend(s)");
    schedule(backoff());
  }

  /** Start-up without an address: fails the start, or starts with no backend when that is allowed. */
  private void startWithout(Answer answer) {
    if (!options.isAllowEmpty()) {
      first.tryFail(new DiscoveryException(spec + ": " + answer.reason(), null));
      close();
      return;
    }
    warnOnce(answer.reason() + "; starting without its backends (empty allowed), asking again");
    report(List.of());
    first.tryComplete();
    schedule(backoff());
  }

  private void report(List<Backend> backends) {
    if (known != null && new HashSet<>(known).equals(new HashSet<>(backends))) {
      return;
    }
    if (known != null || !backends.isEmpty()) {
      log.info("{}: {} backend(s){}", spec, backends.size(), backends.isEmpty() ? ""
          : ": " + backends.stream().map(Backend::toString).collect(Collectors.joining(", ")));
    }
    known = backends;
    target.update(backends);
  }

  private void warnOnce(String problem) {
    if (!problem.equals(warned)) {
      log.warn("{}: {}", spec, problem);
      warned = problem;
    } else {
      log.debug("{}: {}", spec, problem);
    }
  }

  /** The next attempt after {@link #misses} answers without addresses: the minimum refresh, doubling, capped. */
  private Duration backoff() {
    Duration delay = options.getMinRefresh();
    for (int i = 1; i < misses && delay.compareTo(options.getMaxRefresh()) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return clamp(delay);
  }

  private Duration clamp(Duration delay) {
    if (delay.compareTo(options.getMinRefresh()) < 0) {
      return options.getMinRefresh();
    }
    return delay.compareTo(options.getMaxRefresh()) > 0 ? options.getMaxRefresh() : delay;
  }

  private void schedule(Duration delay) {
    if (!closed) {
      timer = context.setTimer(Math.max(1, delay.toMillis()), id -> {
        if (!closed) {
          resolve();
        }
      });
    }
  }

  @Override
  public String toString() {
    return spec;
  }
}
