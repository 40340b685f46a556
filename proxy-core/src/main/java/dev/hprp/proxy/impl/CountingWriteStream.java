package dev.hprp.proxy.impl;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.WriteStream;
import java.util.concurrent.atomic.LongAdder;

/**
 * A socket's write side that adds every written byte to a backend counter: {@code NetSocket} counts nothing itself.
 * One {@link LongAdder#add} per chunk, on a cell of the writing event loop's own in the common case.
 */
final class CountingWriteStream implements WriteStream<Buffer> {

  private final NetSocket socket;
  private final LongAdder bytes;

  CountingWriteStream(NetSocket socket, LongAdder bytes) {
    this.socket = socket;
    this.bytes = bytes;
  }

  @Override
  public Future<Void> write(Buffer data) {
    bytes.add(data.length());
    return socket.write(data);
  }

  @Override
  public Future<Void> end() {
    return socket.end();
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    socket.exceptionHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    socket.setWriteQueueMaxSize(maxSize);
    return this;
  }
}
