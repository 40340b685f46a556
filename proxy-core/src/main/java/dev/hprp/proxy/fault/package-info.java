/**
 * Fault injection: a {@link dev.hprp.proxy.fault.Fault} (latency, bandwidth, slicing, stalls, resets, closes, black
 * holes, refused or slow connects) added to a running {@link dev.hprp.proxy.ReverseProxy} acts on its client
 * connections, new and open, until its {@link dev.hprp.proxy.fault.FaultHandle} removes it: an in-process Toxiproxy
 * for tests of how a client copes with a misbehaving service. Each built-in's behaviour is stated exactly on its
 * factory method. Connections meet no fault code at all while no fault is added.
 */
package dev.hprp.proxy.fault;
