package dev.hprp.proxy.impl.http;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * The response timeout of one event loop's requests: a backend has the timeout from the dispatch of a request until
 * its response head arrives, then from each read of the body to the next. Every request of the loop has the same
 * timeout, so the order of (re)starts is the order of the deadlines: one intrusive list and at most one scheduled
 * task per loop, instead of a Vert.x timer set and cancelled for each request (Vert.x's map of timers and Netty's
 * queue of scheduled tasks each time: about 4 % of the samples in a profile of keep-alive traffic). The task wakes at
 * the oldest deadline; when that request has moved on meanwhile, it finds nothing due and sleeps until the next.
 *
 * <p>Confined to the event loop it was made for, as are its entries.
 */
final class ResponseDeadlines {

  /** A request that may wait for its response head or the next bytes of its body; in at most one list at a time. */
  abstract static class Waiting {

    private Waiting previous;
    private Waiting next;
    private boolean linked;
    private long deadlineNanos;

    /** The response head, or the body's next bytes, did not arrive in time; it is off the list already. */
    abstract void responseTimedOut();
  }

  private final EventLoop loop;
  private final long timeoutNanos;
  private Waiting first;
  private Waiting last;
  /** A wake-up is scheduled: one at most, at or before the oldest deadline. */
  private boolean scheduled;

  /**
   * @param loop          the event loop whose requests these are
   * @param timeoutMillis how long a backend may take to answer with a response head, or stall in its body; positive
   */
  ResponseDeadlines(EventLoop loop, long timeoutMillis) {
    this.loop = loop;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
  }

  /** The timeout as given, for messages. */
  long timeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
  }

  /** Starts the timeout of {@code waiting} from now, ending its earlier one if any. */
  void start(Waiting waiting) {
    stop(waiting);
    waiting.deadlineNanos = System.nanoTime() + timeoutNanos;
    waiting.previous = last;
    if (last == null) {
      first = waiting;
    } else {
      last.next = waiting;
    }
    last = waiting;
    waiting.linked = true;
    if (!scheduled) {
      wakeIn(timeoutNanos);
    }
  }

  /** Ends the timeout of {@code waiting}: its head arrived, or it ended otherwise. Nothing when none runs. */
  void stop(Waiting waiting) {
    if (!waiting.linked) {
      return;
    }
    if (waiting.previous == null) {
      first = waiting.next;
    } else {
      waiting.previous.next = waiting.next;
    }
    if (waiting.next == null) {
      last = waiting.previous;
    } else {
      waiting.next.previous = waiting.previous;
    }
    waiting.previous = null;
    waiting.next = null;
    waiting.linked = false;
  }

  private void wakeIn(long nanos) {
    scheduled = true;
    loop.schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
  }

  private void expire() {
    scheduled = false;
    long now = System.nanoTime();
    while (first != null && first.deadlineNanos - now <= 0) {
      Waiting due = first;
      stop(due);
      due.responseTimedOut(); // may start another request's timeout, which schedules the next wake-up
    }
    if (first != null && !scheduled) {
      wakeIn(first.deadlineNanos - now);
    }
  }
}
