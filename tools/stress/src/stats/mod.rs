//! Latency and count recording. Workers record into one of a few mutex-guarded
//! slots (uncontended in practice: workers are spread over the slots); the
//! reporter drains every slot once per interval, so no sample is lost at an
//! interval boundary, on a timeout or at the end of the run (the final drain
//! happens after every worker has returned).
//!
//! Latencies are microseconds in auto-resizing 3-significant-digit HDR
//! histograms: `corrected` from the intended start (fixed rate), `raw` from
//! the actual send (service time). Failed operations are recorded in both and
//! also in `errors_latency`, and counted by [`ErrorKind`].

mod error_kind;
pub mod interval;

pub use error_kind::ErrorKind;
pub use interval::{LatencySummary, OpInterval};

use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

fn new_histogram() -> Histogram<u64> {
    // Three significant digits, as cassandra-stress; auto-resize keeps small
    // histograms small.
    Histogram::new(3).unwrap_or_else(|_| unreachable_histogram())
}

#[cold]
fn unreachable_histogram() -> Histogram<u64> {
    panic!("three significant digits is a valid HDR histogram precision")
}

/// Counters and histograms of one operation kind.
#[derive(Debug, Clone)]
pub struct OpStats {
    pub corrected: Histogram<u64>,
    pub raw: Histogram<u64>,
    pub errors_latency: Histogram<u64>,
    pub ops: u64,
    pub partitions: u64,
    pub rows: u64,
    pub errors: [u64; ErrorKind::COUNT],
}

impl Default for OpStats {
    fn default() -> Self {
        Self {
            corrected: new_histogram(),
            raw: new_histogram(),
            errors_latency: new_histogram(),
            ops: 0,
            partitions: 0,
            rows: 0,
            errors: [0; ErrorKind::COUNT],
        }
    }
}

/// What one finished operation reports.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub corrected: Duration,
    pub raw: Duration,
    pub partitions: u64,
    pub rows: u64,
    pub error: Option<ErrorKind>,
}

/// Records with auto-resize; saturates only if the histogram cannot grow.
fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

impl OpStats {
    pub fn record(&mut self, sample: &Sample) {
        self.ops += 1;
        self.partitions += sample.partitions;
        self.rows += sample.rows;
        record(&mut self.corrected, micros(sample.corrected));
        record(&mut self.raw, micros(sample.raw));
        if let Some(kind) = sample.error {
            if let Some(count) = self.errors.get_mut(kind as usize) {
                *count += 1;
            }
            self.errors_latency
                .saturating_record(micros(sample.corrected));
        }
    }

    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &OpStats) {
        self.ops += other.ops;
        self.partitions += other.partitions;
        self.rows += other.rows;
        for (a, b) in self.errors.iter_mut().zip(other.errors.iter()) {
            *a += b;
        }
        // Auto-resizing histograms cannot fail to add.
        let _ = self.corrected.add(&other.corrected);
        let _ = self.raw.add(&other.raw);
        let _ = self.errors_latency.add(&other.errors_latency);
    }

    pub fn reset(&mut self) {
        self.ops = 0;
        self.partitions = 0;
        self.rows = 0;
        self.errors = [0; ErrorKind::COUNT];
        self.corrected.reset();
        self.raw.reset();
        self.errors_latency.reset();
    }

    pub fn error_count(&self) -> u64 {
        self.errors.iter().sum()
    }
}

/// Where workers record; see the module docs.
#[derive(Debug)]
pub struct Recorder {
    slots: Vec<Mutex<Vec<OpStats>>>,
    op_count: usize,
}

impl Recorder {
    pub fn new(op_count: usize, slot_count: usize) -> Self {
        let slots = (0..slot_count.max(1))
            .map(|_| Mutex::new(vec![OpStats::default(); op_count]))
            .collect();
        Self { slots, op_count }
    }

    pub fn op_count(&self) -> usize {
        self.op_count
    }

    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Records one operation of kind `op` from worker slot `slot`.
    pub fn record(&self, slot: usize, op: usize, sample: &Sample) {
        if let Some(slot) = self.slots.get(slot % self.slots.len()) {
            let mut guard = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(stats) = guard.get_mut(op) {
                stats.record(sample);
            }
        }
    }

    /// Moves everything recorded so far into `into` (one entry per op kind).
    pub fn drain_into(&self, into: &mut [OpStats]) {
        for slot in &self.slots {
            let mut guard = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (target, stats) in into.iter_mut().zip(guard.iter_mut()) {
                if stats.ops > 0 {
                    target.add(stats);
                    stats.reset();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drained_samples_are_never_lost() {
        let recorder = Recorder::new(2, 3);
        let sample = Sample {
            corrected: Duration::from_millis(5),
            raw: Duration::from_millis(1),
            partitions: 1,
            rows: 1,
            error: None,
        };
        for i in 0..100 {
            recorder.record(i, i % 2, &sample);
        }
        recorder.record(
            0,
            1,
            &Sample {
                error: Some(ErrorKind::WriteTimeout),
                ..sample
            },
        );
        let mut into = vec![OpStats::default(), OpStats::default()];
        recorder.drain_into(&mut into);
        assert_eq!(into[0].ops + into[1].ops, 101);
        assert_eq!(into[1].errors[ErrorKind::WriteTimeout as usize], 1);
        assert_eq!(into[1].errors_latency.len(), 1);
        let mut again = vec![OpStats::default(), OpStats::default()];
        recorder.drain_into(&mut again);
        assert_eq!(again[0].ops, 0);
        let median = into[0].corrected.value_at_quantile(0.5);
        assert!(median >= 4_990, "{median} {}", into[0].corrected.len());
        assert!(into[0].raw.value_at_quantile(0.5) <= 1_001);
    }
}
