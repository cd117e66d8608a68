//! The schedule: hands out operation numbers to workers and, when paced, the
//! instant each operation was meant to start.
//!
//! Fixed and throttle share one schedule (operation `i` is due at
//! `start + i / rate`), so the achieved rate is exact unless every worker is
//! busy. They differ only in measurement: fixed measures latency from the
//! intended start, so a stall that delays sending counts against the server
//! (coordinated omission corrected); throttle measures from the actual send,
//! as cassandra-stress does. Workers wake up to one timer tick early and then
//! measure from the actual send, so timer granularity never inflates the
//! corrected latency.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::cli::RateMode;

/// How early a worker may send relative to the intended start: one timer tick.
const EARLY_SEND: Duration = Duration::from_millis(1);

#[derive(Debug)]
pub struct Schedule {
    start: Instant,
    interval_ns: Option<f64>,
    corrected: bool,
    op_limit: Option<u64>,
    deadline: Option<Instant>,
    next: AtomicU64,
    stopped: AtomicBool,
}

/// One operation handed to a worker.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    pub sequence: u64,
    /// When the operation was due; `None` in unpaced runs.
    pub intended: Option<Instant>,
    /// Whether latency is measured from `intended` (fixed mode).
    pub corrected: bool,
}

impl Schedule {
    pub fn new(
        mode: RateMode,
        start: Instant,
        op_limit: Option<u64>,
        duration: Option<Duration>,
    ) -> Self {
        let (interval_ns, corrected) = match mode {
            RateMode::Unlimited => (None, false),
            RateMode::Fixed { ops_per_s } => (Some(1e9 / ops_per_s), true),
            RateMode::Throttle { ops_per_s } => (Some(1e9 / ops_per_s), false),
        };
        Self {
            start,
            interval_ns,
            corrected,
            op_limit,
            deadline: duration.map(|d| start + d),
            next: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
        }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    /// The next operation, or `None` when the run is over.
    pub fn next(&self) -> Option<Ticket> {
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        let sequence = self.next.fetch_add(1, Ordering::Relaxed);
        if self.op_limit.is_some_and(|limit| sequence >= limit) {
            return None;
        }
        let intended = self
            .interval_ns
            .map(|ns| self.start + Duration::from_nanos((sequence as f64 * ns) as u64));
        if let Some(deadline) = self.deadline {
            if intended.unwrap_or_else(Instant::now) >= deadline {
                return None;
            }
        }
        Some(Ticket {
            sequence,
            intended,
            corrected: self.corrected,
        })
    }

    /// Ends the run early (fatal error, interrupt); workers finish their
    /// current operation and stop.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

impl Ticket {
    /// Sleeps until the operation is due (no-op when unpaced or late).
    pub async fn wait(&self) {
        if let Some(intended) = self.intended {
            let wake = intended.checked_sub(EARLY_SEND).unwrap_or(intended);
            if wake > Instant::now() {
                tokio::time::sleep_until(wake.into()).await;
            }
        }
    }

    /// The instant latency is measured from, given the actual send time.
    pub fn measured_from(&self, sent: Instant) -> Instant {
        match self.intended {
            Some(intended) if self.corrected => intended.min(sent),
            _ => sent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_schedule_spaces_operations_and_stops_at_the_deadline() {
        let start = Instant::now();
        let schedule = Schedule::new(
            RateMode::Fixed { ops_per_s: 1000.0 },
            start,
            None,
            Some(Duration::from_secs(1)),
        );
        let tickets: Vec<Ticket> = std::iter::from_fn(|| schedule.next()).collect();
        assert_eq!(tickets.len(), 1000);
        let last = tickets.last().and_then(|t| t.intended).expect("intended");
        assert_eq!(last - start, Duration::from_millis(999));
        let late = tickets[0].intended.expect("intended") + Duration::from_millis(50);
        assert_eq!(tickets[0].measured_from(late), start);
    }

    #[test]
    fn throttle_measures_from_the_send_and_limit_counts() {
        let start = Instant::now();
        let schedule = Schedule::new(RateMode::Throttle { ops_per_s: 10.0 }, start, Some(3), None);
        let tickets: Vec<Ticket> = std::iter::from_fn(|| schedule.next()).collect();
        assert_eq!(tickets.len(), 3);
        let sent = start + Duration::from_secs(5);
        assert_eq!(tickets[0].measured_from(sent), sent);
    }
}
