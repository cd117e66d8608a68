//! cassandra-stress shaped console output: a header, one line per operation
//! kind per interval, and the `Results:` block at the end.

use std::io::{self, Write};

use super::RunSummary;
use crate::stats::OpInterval;

pub fn write_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<13},{:>11},{:>9},{:>9},{:>9},{:>9},{:>9},{:>9},{:>9},{:>9},{:>9},{:>8},{:>8}",
        "type",
        "total ops",
        "op/s",
        "pk/s",
        "row/s",
        "mean",
        "med",
        ".95",
        ".99",
        ".999",
        "max",
        "time",
        "errors"
    )
}

/// One interval line; `total_ops` is cumulative like cassandra-stress's.
pub fn write_interval(out: &mut dyn Write, row: &OpInterval, total_ops: u64) -> io::Result<()> {
    let l = &row.latency;
    writeln!(
        out,
        "{:<13},{:>11},{:>9.0},{:>9.0},{:>9.0},{:>9.1},{:>9.1},{:>9.1},{:>9.1},{:>9.1},{:>9.1},{:>8.1},{:>8}",
        row.op,
        total_ops,
        row.op_rate,
        row.partition_rate,
        row.row_rate,
        l.mean_ms,
        l.p50_ms,
        l.p95_ms,
        l.p99_ms,
        l.p999_ms,
        l.max_ms,
        row.time_s,
        row.errors
    )
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn hms(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn write_summary(out: &mut dyn Write, summary: &RunSummary) -> io::Result<()> {
    let per_op = |f: &dyn Fn(&super::summary::OpTotals) -> String| -> String {
        if summary.ops.len() < 2 {
            return String::new();
        }
        let parts: Vec<String> = summary
            .ops
            .iter()
            .map(|o| format!("{}: {}", o.op, f(o)))
            .collect();
        format!(" [{}]", parts.join(", "))
    };
    let rate = |v: f64, unit: &str| format!("{:>10} {unit}", thousands(v));
    let ms = |v: f64| format!("{v:>10.3} ms");
    writeln!(out, "\nResults:")?;
    writeln!(
        out,
        "Op rate                   : {}{}",
        rate(summary.achieved_rate_ops_per_s, "op/s"),
        per_op(&|o| format!("{} op/s", thousands(o.op_rate)))
    )?;
    writeln!(
        out,
        "Partition rate            : {}",
        rate(summary.partition_rate, "pk/s")
    )?;
    writeln!(
        out,
        "Row rate                  : {}",
        rate(summary.row_rate, "row/s")
    )?;
    let l = &summary.latency;
    let rows: [(&str, f64, fn(&super::summary::OpTotals) -> f64); 6] = [
        ("Latency mean              ", l.mean_ms, |o| {
            o.latency.mean_ms
        }),
        ("Latency median            ", l.p50_ms, |o| o.latency.p50_ms),
        ("Latency 95th percentile   ", l.p95_ms, |o| o.latency.p95_ms),
        ("Latency 99th percentile   ", l.p99_ms, |o| o.latency.p99_ms),
        ("Latency 99.9th percentile ", l.p999_ms, |o| {
            o.latency.p999_ms
        }),
        ("Latency max               ", l.max_ms, |o| o.latency.max_ms),
    ];
    for (label, value, pick) in rows {
        writeln!(
            out,
            "{label}: {}{}",
            ms(value),
            per_op(&|o| format!("{:.3} ms", pick(o)))
        )?;
    }
    let r = &summary.raw;
    writeln!(out, "Service time (raw) median  : {}", ms(r.p50_ms))?;
    writeln!(out, "Service time (raw) 99th    : {}", ms(r.p99_ms))?;
    writeln!(out, "Service time (raw) 99.9th  : {}", ms(r.p999_ms))?;
    writeln!(out, "Service time (raw) max     : {}", ms(r.max_ms))?;
    writeln!(
        out,
        "Total partitions          : {:>10}",
        thousands(summary.total_partitions as f64)
    )?;
    let kinds: Vec<String> = summary
        .errors
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" [{}]", kinds.join(", "))
    };
    writeln!(
        out,
        "Total errors              : {:>10}{kinds}",
        thousands(summary.total_errors as f64)
    )?;
    writeln!(
        out,
        "Total operations          : {:>10}",
        thousands(summary.total_ops as f64)
    )?;
    writeln!(
        out,
        "Total operation time      : {:>10}",
        hms(summary.duration_s)
    )?;
    match summary.requested_rate_ops_per_s {
        Some(requested) => writeln!(
            out,
            "Requested rate            : {:>10} op/s {}; achieved {:.1} op/s ({:.2}%)",
            thousands(requested),
            summary.rate_mode,
            summary.achieved_rate_ops_per_s,
            100.0 * summary.achieved_rate_ops_per_s / requested
        )?,
        None => writeln!(
            out,
            "Requested rate            :  unlimited ({} threads)",
            summary.threads
        )?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_cassandra_stress() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(hms(3725.0), "01:02:05");
    }
}
