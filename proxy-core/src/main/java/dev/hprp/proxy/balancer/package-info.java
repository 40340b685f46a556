/**
 * Choosing a backend for each new connection.
 *
 * <p>A {@link dev.hprp.proxy.balancer.Balancer} turns each snapshot of eligible backends into a
 * {@link dev.hprp.proxy.balancer.BackendSelector}; the proxy swaps selectors when health changes the snapshot and
 * calls {@code select} concurrently from every event loop. Selectors see backends as
 * {@link dev.hprp.proxy.balancer.BackendState} (configuration plus live active count) and the connection as a
 * {@link dev.hprp.proxy.balancer.SelectionContext}. Built-in strategies are package-private, behind the static
 * factories of {@code Balancer}; everything they need per snapshot is computed once when the selector is built.
 */
package dev.hprp.proxy.balancer;
