//! TimeWindowCompactionStrategy for time series: SSTables are grouped by the
//! time window of their newest write (`max_timestamp / window`); the newest
//! window is compacted size-tiered (`min_threshold`), every older window is
//! merged into one SSTable as soon as it holds two. Whole SSTables whose data
//! all expired are dropped by the runner (common to every strategy) — with
//! TTL'd time series that is how TWCS frees space without rewriting.

use std::collections::BTreeMap;

use super::size_tiered::SizeTieredOptions;
use super::strategy::{CompactionTask, SSTableInfo};
use crate::error::{Result, StorageError};
use crate::schema::CompactionOptions;

/// Options with Cassandra's names and defaults (1 DAYS windows).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeWindowOptions {
    pub window_us: i64,
    /// Size-tiering inside the newest window (min/max_threshold).
    pub size_tiered: SizeTieredOptions,
}

impl Default for TimeWindowOptions {
    fn default() -> Self {
        TimeWindowOptions {
            window_us: 86_400 * 1_000_000,
            size_tiered: SizeTieredOptions::default(),
        }
    }
}

impl TimeWindowOptions {
    pub fn parse(options: &CompactionOptions) -> Result<Self> {
        let unit_s: i64 = match options
            .options
            .get("compaction_window_unit")
            .map(|u| u.to_ascii_uppercase())
            .as_deref()
        {
            None | Some("DAYS") => 86_400,
            Some("HOURS") => 3_600,
            Some("MINUTES") => 60,
            Some(other) => {
                return Err(StorageError::Invalid {
                    detail: format!(
                        "compaction_window_unit must be MINUTES, HOURS or DAYS, got {other}"
                    ),
                });
            }
        };
        let size = super::strategy::positive(options, "compaction_window_size", 1.0)? as i64;
        let resolution_us: i64 = match options
            .options
            .get("timestamp_resolution")
            .map(|u| u.to_ascii_uppercase())
            .as_deref()
        {
            None | Some("MICROSECONDS") => 1,
            Some("MILLISECONDS") => 1_000,
            Some(other) => {
                return Err(StorageError::Invalid {
                    detail: format!("unsupported timestamp_resolution {other}"),
                });
            }
        };
        Ok(TimeWindowOptions {
            window_us: (unit_s * size.max(1)).saturating_mul(1_000_000 / resolution_us),
            size_tiered: SizeTieredOptions::parse(options)?,
        })
    }

    /// Start of the window holding timestamp `timestamp_us`.
    pub fn window_of(&self, timestamp_us: i64) -> i64 {
        timestamp_us.div_euclid(self.window_us) * self.window_us
    }

    pub fn next_task(&self, sstables: &[SSTableInfo]) -> Option<CompactionTask> {
        let mut windows: BTreeMap<i64, Vec<&SSTableInfo>> = BTreeMap::new();
        for s in sstables {
            windows
                .entry(self.window_of(s.max_timestamp_us))
                .or_default()
                .push(s);
        }
        let newest = *windows.keys().next_back()?;
        for (window, members) in windows.iter().rev() {
            let picked = if *window == newest {
                self.size_tiered.pick(members)
            } else if members.len() >= 2 {
                let mut all = members.clone();
                all.sort_by_key(|s| (s.size_bytes, s.generation));
                all.truncate(self.size_tiered.max_threshold);
                Some(all)
            } else {
                None
            };
            if let Some(picked) = picked {
                let inputs = picked.iter().map(|s| s.generation).collect();
                return Some(CompactionTask::new(inputs, 0, u64::MAX));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(generation: u64, max_timestamp_us: i64) -> SSTableInfo {
        SSTableInfo {
            generation,
            size_bytes: 100,
            level: 0,
            min_token: 0,
            max_token: 10,
            min_timestamp_us: max_timestamp_us - 5,
            max_timestamp_us,
        }
    }

    #[test]
    fn windows_assign_by_max_timestamp() {
        let o = TimeWindowOptions {
            window_us: 1_000,
            ..TimeWindowOptions::default()
        };
        assert_eq!(o.window_of(0), 0);
        assert_eq!(o.window_of(999), 0);
        assert_eq!(o.window_of(1_000), 1_000);
        assert_eq!(o.window_of(-1), -1_000);
    }

    #[test]
    fn old_windows_merge_at_two_newest_needs_min_threshold() {
        let o = TimeWindowOptions {
            window_us: 1_000,
            ..TimeWindowOptions::default()
        };
        // Newest window (5000) has 3 files (< 4); window 1000 has 2.
        let ssts = vec![
            info(1, 1_100),
            info(2, 1_900),
            info(3, 5_001),
            info(4, 5_002),
            info(5, 5_003),
            info(6, 3_000),
        ];
        assert_eq!(o.next_task(&ssts).map(|t| t.inputs), Some(vec![1, 2]));
        let newest_only: Vec<_> = ssts.iter().filter(|s| s.generation >= 3).cloned().collect();
        assert_eq!(o.next_task(&newest_only), None);
        let mut four = newest_only.clone();
        four.push(info(7, 5_004));
        assert_eq!(o.next_task(&four).map(|t| t.inputs), Some(vec![3, 4, 5, 7]));
    }

    #[test]
    fn parses_units() {
        let mut c = CompactionOptions {
            class: "TimeWindowCompactionStrategy".into(),
            ..CompactionOptions::default()
        };
        c.options
            .insert("compaction_window_unit".into(), "MINUTES".into());
        c.options
            .insert("compaction_window_size".into(), "5".into());
        assert_eq!(TimeWindowOptions::parse(&c).unwrap().window_us, 300_000_000);
    }
}
