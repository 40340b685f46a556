package dev.hprp.proxy.impl.tcp;

import dev.hprp.proxy.Backend;
import dev.hprp.proxy.fault.Fault;
import dev.hprp.proxy.impl.ActiveFault;
import dev.hprp.proxy.impl.FaultRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data faults of one relayed connection: which faults it met and whether each acts on it, and the stages
 * installed for those that do. Made only when the connection meets its first fault.
 *
 * <p>Confined to the connection's event loop.
 */
final class RelayFaults {

  private static final Logger log = LoggerFactory.getLogger(RelayFaults.class);

  /** Longest wait, before a reset, for the kernel to send the bytes it holds (a receiver that stopped reading). */
  private static final long RESET_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long RESET_POLL_MILLIS = 2;

  private final TcpRelay relay;
  private final FaultRegistry registry;
  private final Backend backend;
  /** Every fault met: its draw for this connection, or {@link ActiveFault#PASSES}. */
  private final Map<ActiveFault, Long> met = new IdentityHashMap<>(4);
  /** The stages of the faults acting on the connection, one per direction each acts on. */
  private final Map<ActiveFault, List<FaultStage>> stages = new IdentityHashMap<>(4);
  private boolean cutting;

  RelayFaults(TcpRelay relay, FaultRegistry registry, Backend backend) {
    this.relay = relay;
    this.registry = registry;
    this.backend = backend;
  }

  /** Brings the connection in line with {@code current}: frees it of removed faults, meets the new ones. */
  void apply(ActiveFault[] current) {
    for (Iterator<Map.Entry<ActiveFault, List<FaultStage>>> it = stages.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ActiveFault, List<FaultStage>> entry = it.next();
      if (!contains(current, entry.getKey())) {
        entry.getValue().forEach(FaultStage::detach);
        it.remove();
      }
    }
    met.keySet().removeIf(fault -> !contains(current, fault));
    for (ActiveFault fault : current) {
      if (fault.effect().onConnect() || met.containsKey(fault)) {
        continue;
      }
      long draw = fault.otherBackend(backend) ? ActiveFault.PASSES : fault.meet(relay.clientAddress(), backend);
      met.put(fault, draw);
      if (draw != ActiveFault.PASSES) {
        attach(fault, draw);
      }
    }
  }

  private static boolean contains(ActiveFault[] faults, ActiveFault fault) {
    for (ActiveFault f : faults) {
      if (f == fault) {
        return true;
      }
    }
    return false;
  }

  private void attach(ActiveFault fault, long draw) {
    List<FaultStage> installed = new ArrayList<>(2);
    Fault.Direction direction = fault.fault().direction();
    if (direction.includes(Fault.Direction.TO_BACKEND)) {
      install(fault, draw, relay.backendChannel(), "to-backend", installed);
    }
    if (direction.includes(Fault.Direction.TO_CLIENT)) {
      install(fault, draw, relay.clientChannel(), "to-client", installed);
    }
    if (!installed.isEmpty()) {
      stages.put(fault, installed);
      fault.acted();
      if (log.isDebugEnabled()) {
        log.debug("{} <-> {}: fault {} acts", relay.clientAddress(), backend, fault);
      }
    }
  }

  /** Puts a stage of {@code fault} in {@code channel}'s pipeline, just before the relay's handler. */
  private void install(ActiveFault fault, long draw, Channel channel, String direction,
      List<FaultStage> installed) {
    int index = freeWritabilityIndex(channel);
    if (index < 0) {
      log.warn("{} <-> {}: fault {} left out on {}: 31 faults act there already", relay.clientAddress(), backend,
          fault, direction);
      return;
    }
    FaultStage stage = FaultStages.create(fault, draw, this, index);
    channel.pipeline().addBefore(TcpRelay.HANDLER_NAME, fault.id() + "-" + direction, stage);
    installed.add(stage);
  }

  /** The lowest of Netty's user-defined writability bits (1-31) no stage of this channel uses, or -1. */
  private int freeWritabilityIndex(Channel channel) {
    int used = 0;
    for (Map.Entry<String, ChannelHandler> entry : channel.pipeline()) {
      if (entry.getValue() instanceof FaultStage stage) {
        used |= 1 << stage.writabilityIndex;
      }
    }
    for (int index = 1; index <= 31; index++) {
      if ((used & (1 << index)) == 0) {
        return index;
      }
    }
    return -1;
  }

  /**
   * A {@link FaultStages.Cut} reached its limit on {@code channel}, whose bytes are flushed: close the connection,
   * or reset it, at once or ({@code delivered}) once the kernel has sent those bytes.
   */
  void cut(Channel channel, boolean reset, boolean delivered) {
    if (cutting) {
      return;
    }
    cutting = true;
    if (!reset) {
      relay.faultClose();
    } else if (delivered) {
      resetWhenSent(channel, System.nanoTime() + RESET_WAIT_NANOS);
    } else {
      relay.faultReset();
    }
  }

  private void resetWhenSent(Channel channel, long deadline) {
    if (!channel.isActive() || !(channel.localAddress() instanceof InetSocketAddress local)
        || !(channel.remoteAddress() instanceof InetSocketAddress remote)) {
      relay.faultReset();
      return;
    }
    registry.vertx().executeBlocking(() -> KernelSendQueue.pending(local, remote), false)
        .onComplete(pending -> channel.eventLoop().execute(() -> {
          if (pending.succeeded() && pending.result() > 0 && System.nanoTime() < deadline) {
            channel.eventLoop().schedule(() -> resetWhenSent(channel, deadline), RESET_POLL_MILLIS,
                TimeUnit.MILLISECONDS);
          } else {
            relay.faultReset();
          }
        }));
  }
}
