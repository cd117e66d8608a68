//! LeveledCompactionStrategy: L0 holds flushed SSTables (overlapping); every
//! level L >= 1 holds non-overlapping SSTables of about `sstable_size_in_mb`
//! and at most `fanout_size^L * sstable_size_in_mb` bytes. When L0 has
//! `min_threshold` (4) files they are merged with the overlapping L1 files into
//! L1; otherwise the level with the highest score (bytes / max bytes, > 1) sends
//! its oldest SSTable, with the overlapping files of the next level, down one
//! level. Output is split at `sstable_size_in_mb` so levels stay disjoint.
//! The level is recorded in each SSTable's statistics and survives restarts.

use super::strategy::{CompactionTask, SSTableInfo, positive};
use crate::error::Result;
use crate::schema::CompactionOptions;

/// L0 files that trigger an L0 -> L1 compaction (Cassandra's min_threshold).
const L0_TRIGGER_FILES: usize = 4;
/// At most this many L0 files per compaction (Cassandra's max_threshold).
const L0_MAX_FILES: usize = 32;

/// Options with Cassandra's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct LeveledOptions {
    pub sstable_size_bytes: u64,
    pub fanout_size: u32,
}

impl Default for LeveledOptions {
    fn default() -> Self {
        LeveledOptions {
            sstable_size_bytes: 160 << 20,
            fanout_size: 10,
        }
    }
}

impl LeveledOptions {
    pub fn parse(options: &CompactionOptions) -> Result<Self> {
        let mb = positive(options, "sstable_size_in_mb", 160.0)?;
        Ok(LeveledOptions {
            // Fractions of a MiB are accepted so tests can use tiny files.
            sstable_size_bytes: ((mb * f64::from(1u32 << 20)) as u64).max(4096),
            fanout_size: (positive(options, "fanout_size", 10.0)? as u32).max(2),
        })
    }

    /// Maximum bytes of level `level` (>= 1).
    pub fn max_bytes_for_level(&self, level: u32) -> u64 {
        let fanout = u64::from(self.fanout_size);
        (0..level).fold(self.sstable_size_bytes, |acc, _| acc.saturating_mul(fanout))
    }

    fn promote(
        &self,
        picked: Vec<&SSTableInfo>,
        next: &[&SSTableInfo],
        level: u32,
    ) -> CompactionTask {
        let mut inputs: Vec<u64> = picked.iter().map(|s| s.generation).collect();
        inputs.extend(
            next.iter()
                .filter(|n| picked.iter().any(|p| p.overlaps(n)))
                .map(|n| n.generation),
        );
        CompactionTask::new(inputs, level, self.sstable_size_bytes)
    }

    pub fn next_task(&self, sstables: &[SSTableInfo]) -> Option<CompactionTask> {
        let max_level = sstables.iter().map(|s| s.level).max().unwrap_or(0);
        let level = |l: u32| -> Vec<&SSTableInfo> {
            let mut v: Vec<&SSTableInfo> = sstables.iter().filter(|s| s.level == l).collect();
            v.sort_by_key(|s| s.generation);
            v
        };
        let l0 = level(0);
        if l0.len() >= L0_TRIGGER_FILES {
            let picked: Vec<&SSTableInfo> = l0.into_iter().take(L0_MAX_FILES).collect();
            return Some(self.promote(picked, &level(1), 1));
        }
        let mut best: Option<(f64, u32)> = None;
        for l in 1..=max_level {
            let bytes: u64 = level(l).iter().map(|s| s.size_bytes).sum();
            let score = bytes as f64 / self.max_bytes_for_level(l) as f64;
            if score > 1.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, l));
            }
        }
        let (_, l) = best?;
        // Oldest first: newer files have newer data, and this guarantees every
        // file eventually moves down even without a persisted key cursor.
        let picked = level(l).into_iter().take(1).collect();
        Some(self.promote(picked, &level(l + 1), l + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(generation: u64, level: u32, size_bytes: u64, tokens: (i64, i64)) -> SSTableInfo {
        SSTableInfo {
            generation,
            size_bytes,
            level,
            min_token: tokens.0,
            max_token: tokens.1,
            min_timestamp_us: 0,
            max_timestamp_us: 0,
        }
    }

    fn opts() -> LeveledOptions {
        LeveledOptions {
            sstable_size_bytes: 100,
            fanout_size: 10,
        }
    }

    #[test]
    fn level_sizes_grow_by_fanout() {
        assert_eq!(opts().max_bytes_for_level(1), 1000);
        assert_eq!(opts().max_bytes_for_level(2), 10_000);
    }

    #[test]
    fn l0_goes_to_l1_with_overlapping_files_only() {
        let mut ssts: Vec<SSTableInfo> = (1..=4).map(|g| info(g, 0, 50, (0, 10))).collect();
        ssts.push(info(10, 1, 100, (5, 20)));
        ssts.push(info(11, 1, 100, (30, 40)));
        let task = opts().next_task(&ssts).expect("L0 task");
        assert_eq!(task.inputs, vec![1, 2, 3, 4, 10]);
        assert_eq!(task.output_level, 1);
        assert_eq!(task.max_output_bytes, 100);
        assert_eq!(opts().next_task(&ssts[1..]), None, "3 L0 files wait");
    }

    #[test]
    fn over_full_level_moves_its_oldest_file_down() {
        // L1 holds 1100 bytes > 1000: its oldest file (20) joins L2's overlap.
        let mut ssts: Vec<SSTableInfo> = (20..31)
            .map(|g| info(g, 1, 100, (g as i64 * 10, g as i64 * 10 + 9)))
            .collect();
        ssts.push(info(40, 2, 100, (200, 205)));
        ssts.push(info(41, 2, 100, (500, 505)));
        let task = opts().next_task(&ssts).expect("L1 task");
        assert_eq!(task.inputs, vec![20, 40]);
        assert_eq!(task.output_level, 2);
        assert_eq!(opts().next_task(&ssts[1..]), None, "L1 at its limit");
    }
}
