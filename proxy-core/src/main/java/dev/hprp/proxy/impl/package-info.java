/**
 * Internal, shared by both modes: the running proxy ({@code ReverseProxyImpl}), which deploys one server verticle per
 * event loop of its mode ({@code impl.tcp}, {@code impl.http}), the upstream connector (pick, connect, fail over,
 * passive health, count), the backend registry with its selector snapshots, the health monitor, and the fault
 * registry ({@code FaultRegistry}) whose data faults run as stages in a relayed connection's pipeline
 * ({@code tcp.RelayFaults}). Not an API: anything here may change without notice.
 */
package dev.hprp.proxy.impl;
