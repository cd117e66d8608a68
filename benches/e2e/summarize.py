#!/usr/bin/env python3
"""Turns one benches/e2e/run.sh output directory into summary.md (stdout).

Reads phases.tsv (one sibyl-stress run per line: target, phase, JSON summary,
server CPU ticks during the run, wall seconds), facts.env (boot time, RSS)
and params.env; checks the issue 6 targets.
"""

import json
import os
import sys

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def load_env(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                out[k] = v
    return out


def main(out_dir):
    facts = load_env(os.path.join(out_dir, "facts.env"))
    params = open(os.path.join(out_dir, "params.env")).read().strip()
    runs = {}
    lines = open(os.path.join(out_dir, "phases.tsv")).read().splitlines()[1:]
    for line in lines:
        target, phase, path, ticks, wall = line.split("\t")
        s = json.load(open(path))
        ops = s["total_ops"]
        cpu_s = int(ticks) / TICKS_PER_S
        extra = {}
        base = os.path.join(out_dir, f"{target}-{phase}")
        try:
            user, system = open(base + ".client-cpu").read().split()[-2:]
            extra["client_us_per_op"] = (float(user) + float(system)) * 1e6 / ops if ops else float("nan")
        except (OSError, ValueError):
            extra["client_us_per_op"] = float("nan")
        try:
            extra["runq"] = int(open(base + ".runq-wait-ns").read()) / 1e9 / float(wall)
        except (OSError, ValueError):
            extra["runq"] = float("nan")
        try:
            extra["load"] = open(base + ".loadavg").read().split()[0]
        except OSError:
            extra["load"] = "?"
        runs[(target, phase)] = {
            **extra,
            "ops": ops,
            "rate": s["achieved_rate_ops_per_s"],
            "requested": s.get("requested_rate_ops_per_s"),
            "lat": s["latency"],
            "raw": s["raw"],
            "errors": s["total_errors"],
            "cpu_us_per_op": cpu_s * 1e6 / ops if ops else float("nan"),
            "cpu_util": cpu_s / float(wall) if float(wall) > 0 else float("nan"),
        }

    p = print
    p(f"# Sibyl end-to-end benchmark — {os.path.basename(out_dir.rstrip('/'))}\n")
    p(f"Parameters: `{params}`\n")
    p("Latencies in ms; fixed-rate rows are coordinated-omission corrected (from the")
    p("intended start), raw service time p99 in its own column. Server CPU = utime+stime")
    p("of the server process during the run; run-queue wait = time its threads were")
    p("runnable but another process held the core (from /proc/<pid>/task/*/schedstat),")
    p("as a share of the run: high values mean the machine, not the server, limited.\n")
    p("| target | phase | ops/s | requested | p50 | p99 | p99.9 | max | raw p99 | errors | server CPU µs/op | server CPU util | server run-queue wait | client CPU µs/op | load avg |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (target, phase), r in runs.items():
        l = r["lat"]
        req = f"{r['requested']:,.0f}" if r["requested"] else "max"
        p(f"| {target} | {phase} | {r['rate']:,.0f} | {req} | {l['p50_ms']:.3f} | {l['p99_ms']:.3f} "
          f"| {l['p999_ms']:.3f} | {l['max_ms']:.3f} | {r['raw']['p99_ms']:.3f} | {r['errors']} "
          f"| {r['cpu_us_per_op']:.2f} | {r['cpu_util'] * 100:.0f}% | {r['runq'] * 100:.0f}% "
          f"| {r['client_us_per_op']:.2f} | {r['load']} |")

    p("\n## Against the issue 6 targets\n")
    p("| target | measured | status |")
    p("|---|---|---|")

    def row(name, measured, ok):
        p(f"| {name} | {measured} | {'met' if ok else '**missed**'} |")

    smp = int(params.split("SMP=")[1].split()[0]) if "SMP=" in params else 1
    for op in ("write", "read"):
        r = runs.get(("sibyl", f"max-{op}"))
        if r:
            per_shard = r["rate"] / smp
            row(f"{op}s ≥ 500,000 ops/s per shard", f"{per_shard:,.0f} ops/s/shard", per_shard >= 500_000)
    for op in ("write", "read"):
        s, n = runs.get(("sibyl", f"max-{op}")), runs.get(("null", f"max-{op}"))
        if s and n:
            frac = s["rate"] / n["rate"]
            row(f"{op}s ≥ 70% of sibyl-stress's ceiling against the stub",
                f"{s['rate']:,.0f} / {n['rate']:,.0f} = {frac * 100:.0f}%", frac >= 0.7)
    for op in ("write", "read"):
        r = runs.get(("sibyl", f"fixed50-{op}"))
        if r:
            l = r["lat"]
            row(f"{op}s at 50% of max: p99 < 1 ms, p99.9 < 2 ms",
                f"p99 {l['p99_ms']:.3f} ms, p99.9 {l['p999_ms']:.3f} ms",
                l["p99_ms"] < 1 and l["p999_ms"] < 2)
    if int(facts.get("cross_shard_logs", "0") or 0) > 1:
        ops = sum(r["ops"] for (t, _), r in runs.items() if t == "sibyl")
        calls = int(facts.get("cross_shard_calls", "0"))
        share = calls / ops if ops else 0.0
        p(f"| cross-shard forwarding with a shard-aware client | {calls:,} forwarded calls "
          f"for {ops:,} requests = {share * 100:.2f}% (all shards' mesh counters, incl. "
          f"schema setup) | info |")
    if "boot_wall_ms" in facts:
        ms = int(facts["boot_wall_ms"])
        row("boot to accepting CQL < 1 s (empty workdir)",
            f"{ms} ms wall (server reports {facts.get('boot_reported_ms', '?')} ms)", ms < 1000)
    if "reboot_wall_ms" in facts:
        ms = int(facts["reboot_wall_ms"])
        size = int(facts.get("workdir_bytes", "0")) / 1e6
        row("boot < 3 s with 1 GB of data", f"{ms} ms with {size:,.0f} MB in the workdir "
            f"({'less than' if size < 1000 else 'at least'} 1 GB)", ms < 3000)
    if "idle_rss_boot_kb" in facts:
        mb = int(facts["idle_rss_boot_kb"]) / 1024
        row("idle RSS < 100 MB (after boot)", f"{mb:.1f} MB", mb < 100)
    if "idle_rss_after_kb" in facts:
        mb = int(facts["idle_rss_after_kb"]) / 1024
        p(f"| idle RSS after the load (memtables hold the data) | {mb:.1f} MB | info |")
    perf = sorted(f for f in os.listdir(out_dir) if f.startswith("perf-") and f.endswith(".txt"))
    if perf:
        p("\nProfiles: " + ", ".join(f"`{f}`" for f in perf))
    p("\nHTML report: `report.html` (all runs overlaid); per-run logs, JSON and HDR logs beside it.")


if __name__ == "__main__":
    main(sys.argv[1])
