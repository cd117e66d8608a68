#!/usr/bin/env python3
"""Turns one benches/e2e/io_sched.sh output directory into summary.md (stdout):
read latency without and with concurrent major compactions, per mode, the
p99 ratio against the issue 6 item 5 target (within 2x), and the I/O
scheduler's per-class counters at the end of each mode.
"""

import json
import os
import sys


def main(out_dir):
    params = open(os.path.join(out_dir, "params.env")).read().strip()
    facts = dict(
        line.strip().split("=", 1)
        for line in open(os.path.join(out_dir, "facts.env"))
        if "=" in line
    )
    rows = {}
    for line in open(os.path.join(out_dir, "results.tsv")).read().splitlines()[1:]:
        mode, phase, path, compactions, busy_s, wall_s = line.split("\t")
        s = json.load(open(path))
        rows[(mode, phase)] = {
            "rate": s["achieved_rate_ops_per_s"],
            "requested": s.get("requested_rate_ops_per_s"),
            "lat": s["latency"],
            "raw": s["raw"],
            "errors": s["total_errors"],
            "compactions": int(compactions),
            "busy": float(busy_s) / float(wall_s) if float(wall_s) > 0 else 0.0,
        }
    p = print
    p(f"# Read latency under compaction — {os.path.basename(out_dir.rstrip('/'))}\n")
    p(f"Parameters: `{params}`\n")
    p(f"Data: {int(facts.get('data_bytes', 0)) / 1e6:,.0f} MB on disk after the load; "
      f"first major compaction took {facts.get('first_compaction_s', '?')} s.\n")
    p("Latencies in ms, coordinated-omission corrected (from each read's intended start);")
    p("raw = service time. `compaction` runs major compactions back to back for the whole")
    p("read run; 'covered' is the share of the run during which one was running.\n")
    p("| mode | phase | ops/s | requested | p50 | p99 | p99.9 | max | raw p99 | errors | compactions | covered |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (mode, phase), r in rows.items():
        l = r["lat"]
        p(f"| {mode} | {phase} | {r['rate']:,.0f} | {r['requested'] or 0:,.0f} | {l['p50_ms']:.3f} "
          f"| {l['p99_ms']:.3f} | {l['p999_ms']:.3f} | {l['max_ms']:.3f} | {r['raw']['p99_ms']:.3f} "
          f"| {r['errors']} | {r['compactions']} | {r['busy'] * 100:.0f}% |")
    p("\n## Target: p99 under compaction within 2x of the quiet p99\n")
    p("| mode | quiet p99 | compaction p99 | ratio | status |")
    p("|---|---:|---:|---:|---|")
    for mode in dict.fromkeys(m for m, _ in rows):
        q, c = rows.get((mode, "quiet")), rows.get((mode, "compaction"))
        if not (q and c):
            continue
        qp, cp = q["lat"]["p99_ms"], c["lat"]["p99_ms"]
        ratio = cp / qp if qp > 0 else float("inf")
        p(f"| {mode} | {qp:.3f} | {cp:.3f} | {ratio:.2f} | {'met' if ratio <= 2 else '**missed**'} |")
    for mode in dict.fromkeys(m for m, _ in rows):
        path = os.path.join(out_dir, f"{mode}-io_scheduler.json")
        try:
            shards = json.load(open(path))
        except (OSError, ValueError):
            continue
        p(f"\n## I/O scheduler counters at the end of `{mode}` (`GET /sibyl/io_scheduler`)\n")
        p("| shard | class | dispatched | delayed | MB | queue wait total ms | queue wait max ms |")
        p("|---:|---|---:|---:|---:|---:|---:|")
        for shard in shards:
            for name, c in shard["classes"].items():
                p(f"| {shard['shard']} | {name} | {c['dispatched']:,} | {c['delayed']:,} "
                  f"| {c['bytes'] / 1e6:,.1f} | {c['queue_time_us_total'] / 1e3:,.1f} "
                  f"| {c['queue_time_us_max'] / 1e3:,.2f} |")
    p("\nHTML report: `report.html`; per-run logs, JSON and HDR logs beside it.")


if __name__ == "__main__":
    main(sys.argv[1])
