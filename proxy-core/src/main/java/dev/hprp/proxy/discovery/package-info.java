/**
 * Finding backends: the {@link dev.hprp.proxy.discovery.BackendDiscovery} SPI with its built-ins (a fixed list, DNS
 * A/AAAA records with {@code dns:NAME:PORT}, DNS SRV records with {@code srv:NAME}), their settings
 * ({@link dev.hprp.proxy.discovery.DnsDiscoveryOptions}) and what a source is given
 * ({@link dev.hprp.proxy.discovery.DiscoveryContext}). Discovery only says which backends exist; health checks then
 * decide which are eligible, and the balancer picks among those (discovery, then health, then selection).
 *
 * <p>DNS sources ask Netty's DNS client for records with their TTLs, ask again at the TTL (clamped to the options'
 * refresh range), and never drop their backends on a DNS failure: a timeout, SERVFAIL or NXDOMAIN keeps the last good
 * set, and an empty answer removes it only once it has lasted the empty grace.
 */
package dev.hprp.proxy.discovery;
