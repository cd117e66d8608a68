//! The JSON summary: totals, per-operation totals, errors by kind and every
//! interval, for scripts, `compare` and the HTML report.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::StressError;
use crate::stats::{LatencySummary, OpInterval};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpTotals {
    pub op: String,
    pub ops: u64,
    pub op_rate: f64,
    pub latency: LatencySummary,
    pub raw: LatencySummary,
    pub errors: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub tool: String,
    pub command: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub revision: Option<String>,
    pub started_at_unix_s: f64,
    pub duration_s: f64,
    pub threads: u32,
    /// `unlimited`, `fixed (coordinated-omission corrected)` or `throttle`.
    pub rate_mode: String,
    pub requested_rate_ops_per_s: Option<f64>,
    pub achieved_rate_ops_per_s: f64,
    pub partition_rate: f64,
    pub row_rate: f64,
    pub total_ops: u64,
    pub total_partitions: u64,
    pub total_rows: u64,
    pub total_errors: u64,
    pub errors: BTreeMap<String, u64>,
    /// Corrected latency (from the intended start when the rate is fixed).
    pub latency: LatencySummary,
    /// Service time (from the actual send).
    pub raw: LatencySummary,
    pub ops: Vec<OpTotals>,
    /// Every interval of every operation kind and of `total`.
    pub intervals: Vec<OpInterval>,
}

impl RunSummary {
    pub fn totals_over_time(&self) -> impl Iterator<Item = &OpInterval> {
        self.intervals.iter().filter(|i| i.op == "total")
    }

    /// A short label for charts and comparisons.
    pub fn label(&self) -> String {
        match (&self.title, &self.revision) {
            (Some(t), Some(r)) => format!("{t} ({r})"),
            (Some(t), None) => t.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => self.command.clone(),
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), StressError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| StressError::Input {
            path: path.into(),
            message: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(|e| StressError::io("write", path, e))
    }

    pub fn read(path: &Path) -> Result<Self, StressError> {
        let text = std::fs::read_to_string(path).map_err(|e| StressError::io("read", path, e))?;
        serde_json::from_str(&text).map_err(|e| StressError::Input {
            path: path.into(),
            message: e.to_string(),
        })
    }
}
