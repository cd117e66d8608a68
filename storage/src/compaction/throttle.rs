//! The shard's compaction throughput cap (`compaction_throughput_mb_per_sec`).
//! A virtual clock shared by every compaction of the shard: each consumed byte
//! moves `next_free` forward by `1 / rate`; a compaction that gets ahead of the
//! clock sleeps on the glommio timer, yielding the core to reads and writes.
//! Idle time earns at most [`BURST`] of credit so a long pause cannot turn
//! into an unthrottled burst. Shard-local (`Cell`), never shared across cores.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Credit an idle throttle may accumulate.
const BURST: Duration = Duration::from_millis(100);
/// Sleeps shorter than this are deferred (timer granularity).
const MIN_SLEEP: Duration = Duration::from_millis(1);

/// Shard-wide byte-rate limiter for compaction.
#[derive(Debug)]
pub struct Throttle {
    bytes_per_s: Cell<u64>,
    next_free: Cell<Instant>,
}

impl Throttle {
    /// `mb_per_s` of 0 disables the cap (Cassandra's convention).
    pub fn new(mb_per_s: f64) -> Self {
        let t = Throttle {
            bytes_per_s: Cell::new(0),
            next_free: Cell::new(Instant::now()),
        };
        t.set_rate(mb_per_s);
        t
    }

    /// Changes the cap at run time (`nodetool setcompactionthroughput`).
    pub fn set_rate(&self, mb_per_s: f64) {
        self.bytes_per_s
            .set((mb_per_s.max(0.0) * f64::from(1u32 << 20)) as u64);
    }

    pub fn rate_bytes_per_s(&self) -> u64 {
        self.bytes_per_s.get()
    }

    /// Accounts `bytes` and sleeps while compaction is ahead of its budget.
    pub async fn consume(&self, bytes: u64) {
        let rate = self.bytes_per_s.get();
        if rate == 0 {
            return;
        }
        let now = Instant::now();
        let floor = now.checked_sub(BURST).unwrap_or(now);
        let start = self.next_free.get().max(floor);
        let next = start + Duration::from_secs_f64(bytes as f64 / rate as f64);
        self.next_free.set(next);
        if let Some(wait) = next.checked_duration_since(now) {
            if wait >= MIN_SLEEP {
                glommio::timer::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_never_sleeps_and_rate_moves_the_clock() {
        crate::testing::run(|| async {
            let t = Throttle::new(0.0);
            t.consume(u64::MAX / 2).await;
            let t = Throttle::new(1.0);
            assert_eq!(t.rate_bytes_per_s(), 1 << 20);
            let before = t.next_free.get();
            t.consume(1 << 10).await;
            // 1 KiB at 1 MiB/s books ~1 ms of the virtual clock.
            assert!(t.next_free.get() > before);
        });
    }
}
