package dev.hprp.proxy.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Many connections held open at once through a relay to echo backends, each proven to relay its bytes: it writes its
 * number and waits for the echo before it counts as open.
 */
public final class HeldConnections {

  private HeldConnections() {
  }

  /**
   * Opens {@code count} connections to {@code 127.0.0.1:port}, {@code batch} connects in flight at a time (keep it
   * well under the listen backlogs: a dropped SYN is retried only a second later).
   *
   * @param timeoutSeconds bound on each batch
   * @return the open sockets, in order
   */
  public static List<NetSocket> open(NetClient client, int port, int count, int batch, long timeoutSeconds)
      throws TimeoutException {
    List<NetSocket> sockets = new ArrayList<>(count);
    for (int opened = 0; opened < count; opened += batch) {
      List<Future<NetSocket>> connecting = new ArrayList<>(batch);
      for (int i = opened; i < Math.min(opened + batch, count); i++) {
        connecting.add(openOne(client, port, i));
      }
      Future.all(connecting).await(timeoutSeconds, TimeUnit.SECONDS);
      connecting.forEach(f -> sockets.add(f.result()));
    }
    return sockets;
  }

  /** Connects, writes {@code number} and waits for its echo; the socket stays open. */
  public static Future<NetSocket> openOne(NetClient client, int port, int number) {
    Buffer id = Buffer.buffer().appendInt(number);
    return client.connect(port, "127.0.0.1").compose(socket -> {
      Promise<NetSocket> echoed = Promise.promise();
      Buffer received = Buffer.buffer();
      socket.handler(data -> {
        received.appendBuffer(data);
        if (received.length() >= id.length()) {
          if (received.equals(id)) {
            echoed.tryComplete(socket);
          } else {
            echoed.tryFail("connection " + number + " got " + received + " back");
          }
        }
      });
      socket.closeHandler(v -> echoed.tryFail("connection " + number + " closed before its echo"));
      socket.write(id);
      return echoed.future();
    });
  }

  /** Closes every socket and waits (at most {@code timeoutSeconds}) until all are closed. */
  public static void closeAll(List<NetSocket> sockets, long timeoutSeconds) throws TimeoutException {
    Future.all(sockets.stream().map(NetSocket::close).toList()).await(timeoutSeconds, TimeUnit.SECONDS);
  }
}
