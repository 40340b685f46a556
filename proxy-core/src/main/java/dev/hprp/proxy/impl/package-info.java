/**
 * Internal: the running proxy ({@code ReverseProxyImpl}), one server verticle per event loop, the per-connection
 * relay and its close policy ({@code TcpRelay}), the backend registry with its selector snapshots, the health
 * monitor, and the fault registry ({@code FaultRegistry}) with the stages that run data faults in a relayed
 * connection's pipeline ({@code tcp.RelayFaults}). Not an API: anything here may change without notice.
 */
package dev.hprp.proxy.impl;
