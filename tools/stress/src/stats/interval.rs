//! Figures derived from histograms: what an interval line, the summary, the
//! JSON file and the HTML report show. Latencies in milliseconds.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::{ErrorKind, OpStats};

/// mean, percentiles and max of one histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl LatencySummary {
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            mean_ms: histogram.mean() / 1000.0,
            p50_ms: ms(histogram.value_at_quantile(0.5)),
            p95_ms: ms(histogram.value_at_quantile(0.95)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            p999_ms: ms(histogram.value_at_quantile(0.999)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// One interval of one operation kind (or `total`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpInterval {
    pub op: String,
    /// Seconds since the start of the run, at the end of this interval.
    pub time_s: f64,
    pub ops: u64,
    pub op_rate: f64,
    pub partition_rate: f64,
    pub row_rate: f64,
    /// Coordinated-omission corrected (equals `raw` when unpaced or throttled).
    pub latency: LatencySummary,
    /// Service time: from the actual send.
    pub raw: LatencySummary,
    pub errors: u64,
}

impl OpInterval {
    pub fn of(op: &str, stats: &OpStats, time_s: f64, length_s: f64) -> Self {
        let per_s = |n: u64| {
            if length_s > 0.0 {
                n as f64 / length_s
            } else {
                0.0
            }
        };
        Self {
            op: op.to_owned(),
            time_s,
            ops: stats.ops,
            op_rate: per_s(stats.ops),
            partition_rate: per_s(stats.partitions),
            row_rate: per_s(stats.rows),
            latency: LatencySummary::of(&stats.corrected),
            raw: LatencySummary::of(&stats.raw),
            errors: stats.error_count(),
        }
    }
}

/// Non-zero error counts by kind name.
pub fn error_counts(stats: &OpStats) -> Vec<(String, u64)> {
    ErrorKind::ALL
        .iter()
        .zip(stats.errors.iter())
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.name().to_owned(), *n))
        .collect()
}
