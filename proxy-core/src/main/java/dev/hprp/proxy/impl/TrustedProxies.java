package dev.hprp.proxy.impl;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The sources whose PROXY header is honoured, as Netty's subnet rules (checked once per connection). Immutable.
 */
final class TrustedProxies {

  private final List<IpSubnetFilterRule> rules;

  /** @param cidrs addresses or CIDR blocks, already validated by {@code ProxyProtocolOptions} */
  TrustedProxies(List<String> cidrs) {
    this.rules = cidrs.stream().map(TrustedProxies::rule).toList();
  }

  private static IpSubnetFilterRule rule(String cidr) {
    String text = cidr.strip();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    int prefix = slash < 0 ? (address.indexOf(':') >= 0 ? 128 : 32) : Integer.parseInt(text.substring(slash + 1));
    return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
  }

  /** Whether a connection from {@code peer} is trusted to tell its client's address. */
  boolean trusts(SocketAddress peer) {
    if (!(peer instanceof InetSocketAddress inet)) {
      return false;
    }
    for (IpSubnetFilterRule rule : rules) {
      if (rule.matches(inet)) {
        return true;
      }
    }
    return false;
  }
}
