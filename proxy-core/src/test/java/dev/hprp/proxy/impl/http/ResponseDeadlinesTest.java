package dev.hprp.proxy.impl.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ResponseDeadlinesTest {

  private static final long TIMEOUT_MILLIS = 100;

  /** Records its name when it times out. */
  private static final class Request extends ResponseDeadlines.Waiting {

    private final String name;
    private final List<String> timedOut;

    Request(String name, List<String> timedOut) {
      this.name = name;
      this.timedOut = timedOut;
    }

    @Override
    void responseTimedOut() {
      timedOut.add(name);
    }
  }

  @Test
  void timesOutWhatIsStillWaitingInOrderOnceEachAndNothingStopped(Vertx vertx, VertxTestContext test) {
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    List<String> timedOut = new CopyOnWriteArrayList<>();
    context.runOnContext(v -> {
      ResponseDeadlines deadlines = new ResponseDeadlines(context.nettyEventLoop(), TIMEOUT_MILLIS);
      Request answered = new Request("answered", timedOut);
      Request first = new Request("first", timedOut);
      Request restarted = new Request("restarted", timedOut);
      Request last = new Request("last", timedOut);
      deadlines.start(answered); // the oldest, so the wake-up is set for it: it must still serve the others
      deadlines.start(first);
      deadlines.start(restarted);
      deadlines.start(last);
      deadlines.stop(answered);
      deadlines.stop(answered); // twice: a no-op
      EventLoop loop = context.nettyEventLoop();
      loop.schedule(() -> deadlines.start(restarted), TIMEOUT_MILLIS / 2, MILLISECONDS); // a retry: begins again
      loop.schedule(() -> test.verify(() -> {
        assertThat(timedOut).containsExactly("first", "last", "restarted");
        test.completeNow();
      }), TIMEOUT_MILLIS * 4, MILLISECONDS);
      // The same event loop's queue, an earlier deadline: runs before the wake-up, however late both are.
      loop.schedule(() -> test.verify(() -> assertThat(timedOut).isEmpty()), TIMEOUT_MILLIS - 10, MILLISECONDS);
    });
  }
}
