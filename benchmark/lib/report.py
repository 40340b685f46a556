#!/usr/bin/env python3
"""Turn one benchmark/run.sh run (its TSV of raw measurements and its meta file) into the Markdown report.

Only rows with phase=measure count; warm-up rows stay in the TSV for inspection. Per target and profile:
median and min-max over rounds, ratios of medians to `direct` and to HAProxy (mode tcp for TCP peers,
mode http for HTTP peers) measured in the same run.
"""
import argparse
import csv
import os
import statistics
from collections import defaultdict

TCP_PEERS = ("hprp-tcp", "hprp-tcp-base", "hprp-tcp-pool", "haproxy-tcp", "nginx-stream")
HTTP_PEERS = ("hprp-http", "hprp-http-base", "haproxy-http", "nginx-http", "go-http", "netty-http", "netty-vertx-http",
              "netty-vpool-http")
ORDER = ("direct",) + TCP_PEERS + HTTP_PEERS
PROFILE_TEXT = {
    "c50": "wrk -t4 -c50, keep-alive, small body (the seed's benchmark)",
    "c256": "wrk -t4 -c256, keep-alive, small body",
    "close": "wrk -t4 -c50 -H 'Connection: close': a new connection (client and backend side) per request",
    "bulk": "wrk -t2 -c8, keep-alive, a 10 MiB body per response",
    "idle": "idle keep-alive connections opened through a freshly started proxy (one request each), held 3 s",
}
PENDING = {}


def reference(target):
    if target in TCP_PEERS:
        return "haproxy-tcp"
    if target in HTTP_PEERS:
        return "haproxy-http"
    return None


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}×"


def errors_text(rows):
    kinds = ("connect", "read", "write", "timeout", "status")
    totals = {k: sum(int(num(r[f"err_{k}"]) or 0) for r in rows) for k in kinds}
    if any(int(num(r["err_connect"]) or 0) < 0 for r in rows):
        return "wrk gave no result"
    parts = [f"{k} {v:,}" for k, v in totals.items() if v]
    return ", ".join(parts) if parts else "0"


class Stats:
    """Figures of one target on one wrk profile, over its measured rounds."""

    def __init__(self, rows, bulk):
        self.rows = rows
        self.rounds = len(rows)
        key = "mib_s" if bulk else "rps"
        self.rate = [num(r[key]) for r in rows]
        self.rate_med = med(self.rate)
        self.p50 = med(num(r["p50_ms"]) for r in rows)
        self.p99 = med(num(r["p99_ms"]) for r in rows)
        cpu = []
        for r in rows:
            c, req, b = num(r["proxy_cpu_s"]), num(r["requests"]), num(r["bytes"])
            if c is None:
                continue
            if bulk and b:
                cpu.append(c / (b / 2**30))
            elif not bulk and req:
                cpu.append(c / req * 1e5)
        self.cpu = med(cpu)
        user = [num(r["proxy_user_s"]) / num(r["proxy_cpu_s"]) * 100 for r in rows
                if num(r["proxy_cpu_s"]) and num(r["proxy_user_s"]) is not None]
        self.user_pct = med(user)
        peaks = [num(r["peak_rss_kib"]) for r in rows if num(r["peak_rss_kib"])]
        self.peak_mib = max(peaks) / 1024 if peaks else None
        self.errors = errors_text(rows)
        self.busy = med(num(r["host_busy_pct"]) for r in rows)
        self.other = med(num(r["other_cpu_s"]) for r in rows)
        self.kernel = med(num(r["kernel_cpu_s"]) for r in rows)
        self.backend_cpu = med(num(r["backend_cpu_s"]) for r in rows)
        self.proxy_cpu = med(num(r["proxy_cpu_s"]) for r in rows)
        self.jit = med(num(r["jit_cpu_s"]) for r in rows)
        no_jit = [(num(r["proxy_cpu_s"]) - num(r["jit_cpu_s"])) / num(r["requests"]) * 1e5 for r in rows
                  if num(r["jit_cpu_s"]) is not None and num(r["proxy_cpu_s"]) is not None and num(r["requests"])]
        self.cpu_no_jit = med(no_jit) if not bulk else None
        self.gc = med(num(r["gc_cpu_s"]) for r in rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tsv", required=True)
    p.add_argument("--meta", required=True)
    p.add_argument("--skipped", required=True)
    p.add_argument("--conf", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    meta = {}
    with open(a.meta) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    with open(a.tsv) as f:
        all_rows = list(csv.DictReader(f, delimiter="\t"))
    rows = [r for r in all_rows if r["phase"] == "measure"]
    cold_rows = defaultdict(list)
    for r in all_rows:
        if r["phase"] == "cold":
            cold_rows[r["target"]].append(r)
    skipped = []
    with open(a.skipped) as f:
        for line in f:
            if "\t" in line:
                skipped.append(line.rstrip("\n").split("\t", 1))

    by = defaultdict(list)
    for r in rows:
        by[(r["target"], r["profile"])].append(r)
    targets = [t for t in ORDER if any(k[0] == t for k in by)]
    profiles = [pr for pr in meta["profiles"].split(",") if any(k[1] == pr for k in by)]
    stats = {k: Stats(v, k[1] == "bulk") for k, v in by.items() if k[1] != "idle"}

    out = []
    w = out.append
    w(f"# HPRP benchmark: {meta['date_utc']} UTC on {meta['host']}")
    w("")
    w(f"Command: `{meta['cmdline'].strip()}` · HPRP commit {meta['hprp_commit']} · raw data: "
      f"[{os.path.basename(a.tsv)}]({os.path.basename(a.tsv)}) · how to read it: [../README.md](../README.md)")
    w("")
    w(f"{meta['rounds']} round(s) per target, interleaved (each round starts every target in turn on the same "
      f"port, warms it up {meta['warmup_s']} s on every profile, a JVM longer until its JIT compiler is nearly idle, "
      f"then measures each profile for {meta['duration_s']} s). "
      f"req/s: median (min–max) over rounds. Ratios are of medians from this run only; req/s on a shared "
      f"2-core box moves by up to ±35 % between runs, CPU per 100k requests is steadier.")
    w("")

    # ---- summary
    w("## Summary")
    w("")
    summary = []
    for pr in ("c50", "c256", "close", "bulk"):
        h, ref = stats.get(("hprp-tcp", pr)), stats.get(("haproxy-tcp", pr))
        if h and ref:
            unit = "MiB/s" if pr == "bulk" else "req/s"
            cpu_unit = "CPU s/GiB" if pr == "bulk" else "CPU s/100k req"
            summary.append(
                f"- **{pr}**: HPRP TCP {fmt(h.rate_med)} {unit} vs HAProxy tcp {fmt(ref.rate_med)}: "
                f"**{ratio(h.rate_med, ref.rate_med)}**; {cpu_unit} {fmt(h.cpu, 3)} vs {fmt(ref.cpu, 3)}: "
                f"**{ratio(h.cpu, ref.cpu)}**"
                f"{f' ({ratio(h.cpu_no_jit, ref.cpu)} without the JIT threads)' if h.cpu_no_jit is not None else ''}; peak RSS {fmt(h.peak_mib, 0, ' MiB')} vs {fmt(ref.peak_mib, 0, ' MiB')}; "
                f"errors {h.errors} vs {ref.errors}; other processes on the machine used {fmt(h.other, 1)} vs "
                f"{fmt(ref.other, 1)} CPU s during these runs.")
    idle_rows = defaultdict(list)
    for r in rows:
        if r["profile"] == "idle":
            idle_rows[r["target"]].append(r)

    def per_conn(rs, what="rss"):
        vals = []
        for r in rs:
            b, h = num(r[f"idle_{what}_before_kib"]), num(r[f"idle_{what}_held_kib"])
            n = num(r["idle_answered"])
            if b is not None and h is not None and n:
                vals.append((h - b) / n)
        return med(vals)

    if "hprp-tcp" in idle_rows and "haproxy-tcp" in idle_rows:
        hi, ri = idle_rows["hprp-tcp"], idle_rows["haproxy-tcp"]
        summary.append(
            f"- **idle**: {min(int(num(r['idle_answered']) or 0) for r in hi):,} of {hi[0]['idle_n']} connections "
            f"answered through HPRP (HAProxy tcp: {min(int(num(r['idle_answered']) or 0) for r in ri):,}); RSS per "
            f"connection {fmt(per_conn(hi), 1, ' KiB')} vs {fmt(per_conn(ri), 1, ' KiB')} "
            f"(HPRP live heap per connection {fmt(per_conn(hi, 'heap'), 2, ' KiB')}).")
    h, ref = stats.get(("hprp-tcp", "c50")), stats.get(("haproxy-tcp", "c50"))
    if h and ref and h.cpu and ref.cpu:
        met_rps = h.rate_med >= ref.rate_med
        met_cpu = h.cpu <= 1.3 * ref.cpu
        summary.append(
            f"- Issue 4's target on c50 (req/s ≥ HAProxy tcp, CPU/100k ≤ 1.3× HAProxy tcp): req/s "
            f"{'met' if met_rps else 'not met'}, CPU {'met' if met_cpu else 'not met'} in this run.")
    for pr in ("c50", "close"):
        h, ng, go = stats.get(("hprp-http", pr)), stats.get(("nginx-http", pr)), stats.get(("go-http", pr))
        if h and ng:
            met_rps = h.rate_med >= ng.rate_med
            met_cpu = bool(h.cpu and ng.cpu and h.cpu <= 1.3 * ng.cpu)
            met_go = bool(go and h.rate_med >= 3 * go.rate_med)
            summary.append(
                f"- **{pr}, HTTP mode**: HPRP HTTP {fmt(h.rate_med)} req/s vs nginx http {fmt(ng.rate_med)}: "
                f"**{ratio(h.rate_med, ng.rate_med)}**; CPU s/100k req {fmt(h.cpu, 3)} vs {fmt(ng.cpu, 3)}: "
                f"**{ratio(h.cpu, ng.cpu)}**"
                f"{f' ({ratio(h.cpu_no_jit, ng.cpu)} without the JIT threads)' if h.cpu_no_jit is not None else ''}"
                f"{f'; vs the Go design (httputil.ReverseProxy) {fmt(go.rate_med)} req/s: **{ratio(h.rate_med, go.rate_med)}**' if go else ''}"
                f"; p99 {fmt(h.p99, 2, ' ms')} vs {fmt(ng.p99, 2, ' ms')}; peak RSS {fmt(h.peak_mib, 0, ' MiB')} vs "
                f"{fmt(ng.peak_mib, 0, ' MiB')}; errors {h.errors} vs {ng.errors}. Issue 10's targets (req/s ≥ 1.0× "
                f"nginx, CPU ≤ 1.3× nginx, req/s ≥ 3× Go): {'met' if met_rps else 'not met'}, "
                f"{'met' if met_cpu else 'not met'}, {('met' if met_go else 'not met') if go else 'Go not measured'}.")
    for pr in ("c50", "close"):
        h, ng = stats.get(("hprp-http", pr)), stats.get(("nginx-http", pr))
        for target, shape in (("netty-http", "Netty's codecs both sides"),
                              ("netty-vertx-http", "Netty's server codec, Vert.x's HttpClient pool"),
                              ("netty-vpool-http", "Netty's codecs both sides, Vert.x's ConnectionPool")):
            n = stats.get((target, pr))
            if n and ng:
                summary.append(
                    f"- **{pr}, calibration {target}** ({shape}; bare, lib/NettyHttpProxy.java): {fmt(n.rate_med)} "
                    f"req/s, **{ratio(n.rate_med, ng.rate_med)}** nginx http's at **{ratio(n.cpu, ng.cpu)}** its CPU "
                    f"per request"
                    f"{f'; HPRP HTTP: {ratio(h.rate_med, n.rate_med)} its req/s at {ratio(h.cpu, n.cpu)} its CPU' if h else ''}.")
    for (mode, current, base), pr in ((m, p) for m in (("TCP", "hprp-tcp", "hprp-tcp-base"),
                                                        ("HTTP", "hprp-http", "hprp-http-base"))
                                       for p in ("c50", "c256", "close", "bulk")):
        h, b = stats.get((current, pr)), stats.get((base, pr))
        if h and b:
            cpu_unit = "CPU s/GiB" if pr == "bulk" else "CPU s/100k req"
            summary.append(
                f"- **{pr}, {mode} mode, before/after**: this build {fmt(h.rate_med)} vs the baseline build "
                f"({meta.get('hprp_baseline_jar', '?')}) {fmt(b.rate_med)}: **{ratio(h.rate_med, b.rate_med)}**; "
                f"{cpu_unit} {fmt(h.cpu, 3)} vs {fmt(b.cpu, 3)}: **{ratio(h.cpu, b.cpu)}**; p99 "
                f"{fmt(h.p99, 2, ' ms')} vs {fmt(b.p99, 2, ' ms')}.")
    for pr in ("c50", "close"):
        p, t = stats.get(("hprp-tcp-pool", pr)), stats.get(("hprp-tcp", pr))
        if p and t:
            summary.append(
                f"- **{pr}, TCP pool**: HPRP TCP with --pool-size {fmt(p.rate_med)} req/s vs without "
                f"{fmt(t.rate_med)}: **{ratio(p.rate_med, t.rate_med)}**; CPU s/100k req {fmt(p.cpu, 3)} vs "
                f"{fmt(t.cpu, 3)}: **{ratio(p.cpu, t.cpu)}**; p50 {fmt(p.p50, 2, ' ms')} vs {fmt(t.p50, 2, ' ms')}.")
    h, ref = stats.get(("hprp-tcp", "c50")), stats.get(("haproxy-tcp", "c50"))
    hc, refc = stats.get(("hprp-tcp", "close")), stats.get(("haproxy-tcp", "close"))
    if h and ref and hc and refc:
        checks = [
            ("close req/s ≥ 1.0×", hc.rate_med >= refc.rate_med),
            ("close CPU ≤ 1.0×", bool(hc.cpu and refc.cpu and hc.cpu <= refc.cpu)),
            ("c50 req/s ≥ 1.1×", h.rate_med >= 1.1 * ref.rate_med),
            ("c50 CPU ≤ 0.9×", bool(h.cpu and ref.cpu and h.cpu <= 0.9 * ref.cpu)),
            ("c50 p99 ≤ 1.5×", bool(h.p99 and ref.p99 and h.p99 <= 1.5 * ref.p99)),
            ("peak RSS ≤ 128 MiB", bool(h.peak_mib and hc.peak_mib and max(h.peak_mib, hc.peak_mib) <= 128)),
        ]
        summary.append(
            f"- p99 against HAProxy tcp: c50 {fmt(h.p99, 2, ' ms')} vs {fmt(ref.p99, 2, ' ms')} "
            f"(**{ratio(h.p99, ref.p99)}**), close {fmt(hc.p99, 2, ' ms')} vs {fmt(refc.p99, 2, ' ms')} "
            f"(**{ratio(hc.p99, refc.p99)}**). Issue 14's targets in this run: "
            + ", ".join(f"{name} {'met' if ok else 'not met'}" for name, ok in checks) + ".")
    for t in ("hprp-tcp", "haproxy-tcp", "hprp-http"):
        warm = stats.get((t, "close"))
        if cold_rows.get(t) and warm and warm.rate_med:
            cold = med(num(r["requests"]) / (num(r["duration_s"]) or 1) for r in cold_rows[t] if num(r["requests"]))
            if cold is not None:
                summary.append(
                    f"- **cold close, {t}**: the first {cold_rows[t][0]['duration_s']} s after start-up "
                    f"{fmt(cold)} req/s, **{ratio(cold, warm.rate_med)}** of its warm close"
                    f"{' (issue 14: ≥ 0.5×, ' + ('met' if cold >= 0.5 * warm.rate_med else 'not met') + ')' if t == 'hprp-tcp' else ''}.")
    if not summary:
        summary.append("- (No pair of HPRP and its reference was measured in this run: no head-to-head summary.)")
    out.extend(summary)
    if skipped:
        w("")
        w("Not measured: " + "; ".join(f"`{t}`: {why}" for t, why in skipped) + ".")
    w("")

    # ---- per-profile tables
    w("## Results")
    for pr in profiles:
        w("")
        w(f"### {pr}: {PROFILE_TEXT[pr]}")
        w("")
        if pr == "idle":
            w("| target | N | answered (min) | still open after hold (min) | proxy RSS before | RSS held | RSS per connection | live heap per connection (JVM) | proxy fds held | errors |")
            w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for t in targets:
                rs = idle_rows.get(t)
                if not rs:
                    continue
                before = med(num(r["idle_rss_before_kib"]) for r in rs)
                held = med(num(r["idle_rss_held_kib"]) for r in rs)
                fds = med(num(r["idle_fds_held"]) for r in rs)
                errs = sorted({r["idle_errors"] for r in rs})
                w(f"| {t} | {rs[0]['idle_n']} | {min(int(num(r['idle_answered']) or 0) for r in rs):,} | "
                  f"{min(int(num(r['idle_still_open']) or 0) for r in rs):,} | "
                  f"{fmt(before and before / 1024, 1, ' MiB')} | {fmt(held and held / 1024, 1, ' MiB')} | "
                  f"{fmt(per_conn(rs), 1, ' KiB')} | {fmt(per_conn(rs, 'heap'), 2, ' KiB') if per_conn(rs, 'heap') is not None else ''} | "
                  f"{fmt(fds)} | {', '.join(errs)} |")
            continue
        bulk = pr == "bulk"
        unit = "MiB/s" if bulk else "req/s"
        cpu_head = "CPU s/GiB" if bulk else "CPU s/100k req"
        w(f"| target | {unit} median | min–max | × direct | × HAProxy | p50 ms | p99 ms | {cpu_head} | CPU × HAProxy | CPU in user space | peak RSS | errors |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        direct = stats.get(("direct", pr))
        for t in targets:
            s = stats.get((t, pr))
            if not s:
                continue
            ref = stats.get((reference(t), pr)) if reference(t) else None
            lo, hi = min(x for x in s.rate if x is not None), max(x for x in s.rate if x is not None)
            w(f"| {t} | {fmt(s.rate_med)} | {fmt(lo)}–{fmt(hi)} | "
              f"{ratio(s.rate_med, direct.rate_med) if direct and t != 'direct' else ''} | "
              f"{ratio(s.rate_med, ref.rate_med) if ref else ''} | {fmt(s.p50, 2)} | {fmt(s.p99, 2)} | "
              f"{fmt(s.cpu, 3) if t != 'direct' else ''} | {ratio(s.cpu, ref.cpu) if ref and t != 'direct' else ''} | "
              f"{fmt(s.user_pct, 0, ' %') if t != 'direct' else ''} | "
              f"{fmt(s.peak_mib, 0, ' MiB') if t != 'direct' else ''} | {s.errors} |")
    for t, why in PENDING.items():
        if t not in targets:
            w("")
            w(f"Pending: `{t}` ({why}).")
            break

    jvm = [(t, pr) for t in targets for pr in profiles if stats.get((t, pr)) and stats[(t, pr)].jit is not None]
    if jvm:
        w("")
        w("### JVM threads during the measured runs")
        w("")
        w("CPU seconds of the JIT compiler threads (C1/C2) and of the GC threads (G1, VM Thread) inside the proxy's "
          "CPU figure above (medians over rounds). JIT time well above zero means the warm-up was too short for "
          "the JVM to reach steady state on that profile.")
        w("")
        w("| target | profile | proxy CPU s | JIT CPU s | GC CPU s | CPU s/100k req without JIT | × HAProxy |")
        w("|---|---|---:|---:|---:|---:|---:|")
        for t, pr in jvm:
            s = stats[(t, pr)]
            ref = stats.get((reference(t), pr))
            w(f"| {t} | {pr} | {fmt(s.proxy_cpu, 2)} | {fmt(s.jit, 2)} | {fmt(s.gc, 2)} | "
              f"{fmt(s.cpu_no_jit, 3) if s.cpu_no_jit is not None else ''} | "
              f"{ratio(s.cpu_no_jit, ref.cpu) if ref and s.cpu_no_jit is not None else ''} |")

    # ---- machine, versions, settings
    w("")
    w("## Machine")
    w("")
    w(f"- CPU: {meta['cpu']}, {meta['cores']} cores; memory {meta['mem']}; kernel {meta['kernel']}")
    w(f"- Open-file limit per process: {meta['nofile']}; {meta['sysctl'].strip()}")
    w(f"- Shared machine: load average {meta['loadavg_start']} at the start, {meta.get('loadavg_end', '?')} at the end; "
      f"other processes used {meta['busy_at_start']} in the 2 s before the run")
    w("")
    w("## Versions")
    w("")
    for k in ("java", "wrk", "haproxy", "nginx", "python"):
        w(f"- {k}: {meta[k]}")
    w(f"- HPRP: {meta['hprp_jar']} (the repository at commit {meta['hprp_commit']}), started by bin/hprp with its "
      f"JVM options, plus HPRP_JAVA_OPTS: {meta['hprp_java_opts']}")
    if meta.get("hprp_baseline_jar", "(none)") != "(none)":
        w(f"- hprp-tcp-base, hprp-http-base: {meta['hprp_baseline_jar']}, started as hprp-tcp and hprp-http are")
    for k in sorted(k for k in meta if k.startswith("started.")):
        w(f"- {k[8:]} start-up line (names the transport): `{meta[k].strip()}`")
    w("")
    w("## Settings")
    w("")
    w(f"- Fair settings: HAProxy `nbthread {meta['cores_setting']}`, nginx `worker_processes {meta['cores_setting']}`, "
      f"HPRP `--event-loops {meta['cores_setting']}` (when the launcher has the flag). Logging off and health checks "
      f"off for every proxy; round-robin everywhere.")
    w(f"- Mock backends: {meta.get('mock', '?')}, on the same cores as wrk and the proxy.")
    w(f"- Idle profile: N = {meta['idle_n']} (open-file limit {meta['nofile']}: the proxy holds 2 fds per connection). "
      f"HAProxy maxconn {meta['maxconn']}, nginx worker_connections {meta['worker_connections']}.")
    w(f"- Ports: {meta['ports']} (127.0.0.1 only).")
    w("- Commands (configs are rendered from benchmark/conf/):")
    for k in sorted(k for k in meta if k.startswith("cmd.")):
        w(f"  - {k[4:]}: `{meta[k]}`")
    w("")
    w("## Noise")
    w("")
    w("During each measured run (medians over rounds): host CPU busy % over all cores; CPU seconds of processes "
      "outside the benchmark (other work on this machine, e.g. builds: the noise); CPU seconds of kernel threads "
      "(mostly ksoftirqd doing loopback network work); CPU seconds of the mock backends. A proxy's own CPU figure "
      "is its processes' utime+stime only.")
    w("")
    w("| target | profile | host busy % | other processes CPU s | kernel threads CPU s | backends CPU s |")
    w("|---|---|---:|---:|---:|---:|")
    for t in targets:
        for pr in profiles:
            s = stats.get((t, pr))
            if s:
                w(f"| {t} | {pr} | {fmt(s.busy, 0)} | {fmt(s.other, 2)} | {fmt(s.kernel, 2)} | {fmt(s.backend_cpu, 2)} |")
    w("")
    root = os.path.dirname(os.path.dirname(os.path.abspath(a.conf))) + "/"
    with open(a.out, "w") as f:
        f.write("\n".join(out).replace(root, ""))


if __name__ == "__main__":
    main()
