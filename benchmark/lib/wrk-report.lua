-- Loaded by benchmark/run.sh with `wrk -s`. Only done() is defined, so wrk keeps its fast path
-- (no per-request Lua). Prints one machine-readable line that run.sh parses; times are microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "HPRP_WRK requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d mean_us=%.1f max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
