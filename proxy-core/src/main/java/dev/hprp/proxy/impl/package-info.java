/**
 * Internal: the running proxy ({@code ReverseProxyImpl}), one server verticle per event loop, the per-connection
 * relay and its close policy ({@code TcpRelay}), the backend registry with its selector snapshots, and the health
 * monitor. Not an API: anything here may change without notice.
 */
package dev.hprp.proxy.impl;
