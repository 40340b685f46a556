package dev.hprp.proxy.impl;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy-wide limit on client connections (HAProxy's {@code maxconn}): at the limit the proxy stops accepting, so
 * new clients wait in the kernel's accept backlog, and it accepts again as connections close. Nothing is ever
 * accepted and then dropped.
 *
 * <p>How accepting stops: Vert.x's {@code NetServer} has no pause, but every accepted channel's
 * {@link Channel#parent() parent} is the Netty server channel that accepted it (one per port, shared by the proxy's
 * servers on every event loop), and auto-read off on a server channel is Netty's way to stop calling
 * {@code accept(2)}. The gate learns the server channels from the connections it counts, so it needs no Vert.x
 * internals. One batch of accepts (up to 16 per wake-up of the acceptor) may already be under way when the limit is
 * reached: such connections are held, not read from and not relayed, and started in order as others close, exactly as
 * if they had waited in the backlog (each holds a descriptor meanwhile, which the open-file reserve allows for).
 *
 * <p>Thread-safe. Each accept and each close takes a lock (uncontended but for the event loops accepting at the same
 * instant) that no read or write ever touches; connections are counted with no limit too, so that a limit set while
 * the proxy runs knows how many are open.
 */
public final class AcceptGate {

  private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);

  /** The listening channels seen, as parents of accepted ones. */
  private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
  /** Guarded by {@code this}: accepted connections started, not yet closed. */
  private int served;
  /** Guarded by {@code this}: accepted beyond the limit, waiting for a slot, oldest first. */
  private final ArrayDeque<Entry> held = new ArrayDeque<>();
  /** Guarded by {@code this}: the listening channels have auto-read off. */
  private boolean paused;
  /** 0: no limit. */
  private volatile int max;

  AcceptGate(int max) {
    this.max = max;
  }

  /** One accepted connection, from its accept to its close. */
  private static final class Entry {
    final Channel channel;
    final Runnable start;
    /** Guarded by the gate: started, and so counted in {@code served}. */
    boolean started;
    /** Guarded by the gate: its close was counted. */
    boolean closed;

    Entry(Channel channel, Runnable start) {
      this.channel = channel;
      this.start = start;
    }
  }

  /**
   * Counts an accepted client connection and runs {@code start} (on the calling thread, at once) when it is within
   * the limit; otherwise holds it and runs {@code start} on its event loop once a connection closes. Call on the
   * channel's event loop, in the tick it was accepted, before anything is read from it; a connection held must not be
   * read until started, so its auto-read is off, or turned off in the same tick when this returns false.
   *
   * @return true when {@code start} ran, false when the connection is held
   */
  public boolean admit(Channel channel, Runnable start) {
    Entry entry = new Entry(channel, start);
    boolean now;
    synchronized (this) {
      Channel listener = channel.parent();
      if (listener != null && listeners.add(listener) && paused) {
        listener.config().setAutoRead(false);
      }
      int limit = max;
      now = held.isEmpty() && (limit == 0 || served < limit);
      if (now) {
        entry.started = true;
        served++;
      } else {
        held.addLast(entry);
      }
      adjust();
    }
    channel.closeFuture().addListener(f -> closed(entry));
    if (now) {
      start.run();
    } else if (log.isDebugEnabled()) {
      log.debug("{}: accepted beyond the connection limit {} within one accept batch; held until a connection closes",
          channel.remoteAddress(), max);
    }
    return now;
  }

  private void closed(Entry entry) {
    Entry next = null;
    synchronized (this) {
      if (entry.closed) {
        return;
      }
      entry.closed = true;
      if (entry.started) {
        served--;
      } else {
        held.remove(entry);
      }
      next = startHeld();
      adjust();
    }
    run(next);
  }

  /** Guarded: takes the oldest held connection still open when a slot is free, counting it started. */
  private Entry startHeld() {
    int limit = max;
    Entry entry;
    while ((limit == 0 || served < limit) && (entry = held.pollFirst()) != null) {
      if (entry.channel.isOpen()) {
        entry.started = true;
        served++;
        return entry;
      }
      entry.closed = true; // its close listener will find it counted
    }
    return null;
  }

  private static void run(Entry entry) {
    if (entry != null) {
      entry.channel.eventLoop().execute(entry.start);
    }
  }

  /** Guarded: stops accepting at the limit and resumes below it. */
  private void adjust() {
    int limit = max;
    boolean full = limit > 0 && served + held.size() >= limit;
    if (full != paused) {
      paused = full;
      // setAutoRead is thread-safe; called under the lock, the last call made is the state that holds.
      for (Channel listener : listeners) {
        listener.config().setAutoRead(!full);
      }
      if (log.isDebugEnabled()) {
        log.debug(full ? "{} connections open: at the connection limit, accepting paused"
            : "{} connections open: below the connection limit, accepting again", served + held.size());
      }
    }
  }

  /** Changes the limit (0: none) for the connections from now on; a higher one starts held connections at once. */
  void limit(int max) {
    List<Entry> started = new ArrayList<>();
    synchronized (this) {
      this.max = max;
      Entry next;
      while ((next = startHeld()) != null) {
        started.add(next);
      }
      adjust();
    }
    started.forEach(AcceptGate::run);
  }

  /** Client connections open now, started or held. */
  public synchronized int open() {
    return served + held.size();
  }

  /** Client connections accepted beyond the limit and held until a slot frees. */
  public synchronized int held() {
    return held.size();
  }
}
