/**
 * The HPRP test kit: {@link dev.hprp.proxy.junit5.TestProxy}, a proxy in front of one service that injects
 * {@linkplain dev.hprp.proxy.fault.Fault faults} (latency, bandwidth, resets, refused connects, a cut network) into
 * the connections of the client under test, in process and deterministic; and
 * {@link dev.hprp.proxy.junit5.HprpExtension}, which starts and closes one around JUnit 5 tests.
 */
package dev.hprp.proxy.junit5;
