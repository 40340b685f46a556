package dev.hprp.proxy.testing;

import dev.hprp.proxy.BackendEvent;
import dev.hprp.proxy.BackendListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener keeping every health change a proxy reports, in order; safe to read from any thread. */
public final class HealthChanges implements BackendListener {

  private final List<BackendEvent.HealthChanged> changes = new CopyOnWriteArrayList<>();

  @Override
  public void onEvent(BackendEvent event) {
    if (event instanceof BackendEvent.HealthChanged change) {
      changes.add(change);
    }
  }

  /** The changes so far, live. */
  public List<BackendEvent.HealthChanged> list() {
    return changes;
  }
}
