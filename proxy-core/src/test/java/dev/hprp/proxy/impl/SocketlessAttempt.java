package dev.hprp.proxy.impl;

/**
 * A connection attempt for tests that drive the {@link UpstreamConnector} without sockets: always wanted, and nothing
 * to do when it fails, discards or aborts. Subclasses give the client address, the dial and what a connect does.
 */
abstract class SocketlessAttempt implements UpstreamConnector.Attempt<Object> {

  @Override
  public boolean wanted() {
    return true;
  }

  @Override
  public void failed(int attempts) {
  }

  @Override
  public void discard(Object connection) {
  }

  @Override
  public void abort() {
  }
}
