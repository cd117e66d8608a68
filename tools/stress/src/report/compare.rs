//! `sibyl-stress compare A B`: whether two runs differ significantly in
//! throughput and mean latency, from JSON summaries or HDR interval logs
//! (any mix). Each series is the per-interval value; see [`super::welch`].

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use super::RunSummary;
use super::hdr_log::read_log;
use super::welch::{SeriesStats, WelchResult, welch};
use crate::error::StressError;

/// Per-interval series of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSeries {
    pub label: String,
    pub throughput_ops_per_s: Vec<f64>,
    pub mean_latency_ms: Vec<f64>,
    pub p99_latency_ms: Vec<f64>,
}

impl RunSeries {
    pub fn from_summary(summary: &RunSummary) -> Self {
        let mut series = Self {
            label: summary.label(),
            ..Default::default()
        };
        for interval in summary.totals_over_time().filter(|i| i.ops > 0) {
            series.throughput_ops_per_s.push(interval.op_rate);
            series.mean_latency_ms.push(interval.latency.mean_ms);
            series.p99_latency_ms.push(interval.latency.p99_ms);
        }
        series
    }

    /// Merges every `-rt` tagged (or untagged) histogram per interval start.
    pub fn from_hdr_log(path: &Path) -> Result<Self, StressError> {
        let mut by_start: BTreeMap<u128, (f64, hdrhistogram::Histogram<u64>)> = BTreeMap::new();
        for interval in read_log(path)? {
            let wanted = interval.tag.as_deref().is_none_or(|t| t.ends_with("-rt"));
            if !wanted {
                continue;
            }
            match by_start.entry(interval.start.as_millis()) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert((interval.length.as_secs_f64(), interval.histogram));
                }
                std::collections::btree_map::Entry::Occupied(mut slot) => {
                    let _ = slot.get_mut().1.add(&interval.histogram);
                }
            }
        }
        let mut series = Self {
            label: path.display().to_string(),
            ..Default::default()
        };
        for (length_s, histogram) in by_start.values() {
            if histogram.is_empty() || *length_s <= 0.0 {
                continue;
            }
            series
                .throughput_ops_per_s
                .push(histogram.len() as f64 / length_s);
            series.mean_latency_ms.push(histogram.mean() / 1000.0);
            series
                .p99_latency_ms
                .push(histogram.value_at_quantile(0.99) as f64 / 1000.0);
        }
        Ok(series)
    }

    pub fn load(path: &Path) -> Result<Self, StressError> {
        let head = std::fs::read(path).map_err(|e| StressError::io("read", path, e))?;
        if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            let mut series = Self::from_summary(&RunSummary::read(path)?);
            if series.label.is_empty() {
                series.label = path.display().to_string();
            }
            Ok(series)
        } else {
            Self::from_hdr_log(path)
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricComparison {
    pub metric: &'static str,
    pub a: SeriesStats,
    pub b: SeriesStats,
    pub test: WelchResult,
    pub significant: bool,
}

pub fn compare(
    a: &RunSeries,
    b: &RunSeries,
    alpha: f64,
) -> Result<Vec<MetricComparison>, StressError> {
    let metrics: [(&'static str, &Vec<f64>, &Vec<f64>); 3] = [
        (
            "throughput [op/s]",
            &a.throughput_ops_per_s,
            &b.throughput_ops_per_s,
        ),
        ("mean latency [ms]", &a.mean_latency_ms, &b.mean_latency_ms),
        ("p99 latency [ms]", &a.p99_latency_ms, &b.p99_latency_ms),
    ];
    let mut results = Vec::new();
    for (metric, xa, xb) in metrics {
        let too_short = || {
            StressError::usage(format!(
                "{metric}: each run needs at least 3 intervals to compare"
            ))
        };
        let sa = SeriesStats::of(xa).ok_or_else(too_short)?;
        let sb = SeriesStats::of(xb).ok_or_else(too_short)?;
        let test = welch(&sa, &sb);
        results.push(MetricComparison {
            metric,
            a: sa,
            b: sb,
            test,
            significant: test.p_value < alpha,
        });
    }
    Ok(results)
}

pub fn write_comparison(
    out: &mut dyn Write,
    a: &RunSeries,
    b: &RunSeries,
    results: &[MetricComparison],
    alpha: f64,
) -> io::Result<()> {
    writeln!(
        out,
        "A: {} ({} intervals)",
        a.label,
        a.throughput_ops_per_s.len()
    )?;
    writeln!(
        out,
        "B: {} ({} intervals)",
        b.label,
        b.throughput_ops_per_s.len()
    )?;
    writeln!(
        out,
        "{:<20}{:>14}{:>14}{:>10}{:>10}{:>10}{:>10}  verdict (alpha {alpha})",
        "metric", "A", "B", "change", "n_eff A", "n_eff B", "p-value"
    )?;
    for r in results {
        let change = if r.a.mean != 0.0 {
            100.0 * (r.b.mean - r.a.mean) / r.a.mean
        } else {
            0.0
        };
        writeln!(
            out,
            "{:<20}{:>14.3}{:>14.3}{:>9.1}%{:>10.1}{:>10.1}{:>10.4}  {}",
            r.metric,
            r.a.mean,
            r.b.mean,
            change,
            r.a.effective_n,
            r.b.effective_n,
            r.test.p_value,
            if r.significant {
                "SIGNIFICANT"
            } else {
                "not significant"
            }
        )?;
    }
    Ok(())
}
