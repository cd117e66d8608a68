//! Choosing what to compact: the per-table strategy parsed from the table's
//! `compaction = {'class': ..., ...}` options (Cassandra's names), and the
//! description of the SSTables it chooses among. Strategies are pure: they see
//! [`SSTableInfo`] snapshots and return a [`CompactionTask`]; the runner on the
//! owning shard executes it. Unit-testable without a disk.

use super::leveled::LeveledOptions;
use super::size_tiered::SizeTieredOptions;
use super::time_window::TimeWindowOptions;
use crate::error::{Result, StorageError};
use crate::schema::CompactionOptions;
use crate::sstable::SSTable;

/// What a strategy knows about one SSTable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SSTableInfo {
    pub generation: u64,
    pub size_bytes: u64,
    pub level: u32,
    pub min_token: i64,
    pub max_token: i64,
    pub min_timestamp_us: i64,
    pub max_timestamp_us: i64,
}

impl SSTableInfo {
    pub fn of(sst: &SSTable) -> Self {
        SSTableInfo {
            generation: sst.generation,
            size_bytes: sst.data_size_bytes(),
            level: sst.stats.level,
            min_token: sst.stats.min_token,
            max_token: sst.stats.max_token,
            min_timestamp_us: sst.stats.min_timestamp_us,
            max_timestamp_us: sst.stats.max_timestamp_us,
        }
    }

    /// Whether the token ranges of two SSTables intersect.
    pub fn overlaps(&self, other: &SSTableInfo) -> bool {
        self.min_token <= other.max_token && other.min_token <= self.max_token
    }
}

/// One compaction to run: merge `inputs` into SSTables of at most
/// `max_output_bytes` (uncompressed) at `output_level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactionTask {
    pub inputs: Vec<u64>,
    pub output_level: u32,
    pub max_output_bytes: u64,
}

impl CompactionTask {
    pub fn new(mut inputs: Vec<u64>, output_level: u32, max_output_bytes: u64) -> Self {
        inputs.sort_unstable();
        CompactionTask {
            inputs,
            output_level,
            max_output_bytes,
        }
    }
}

/// A table's compaction strategy with its options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Strategy {
    SizeTiered(SizeTieredOptions),
    Leveled(LeveledOptions),
    TimeWindow(TimeWindowOptions),
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy::SizeTiered(SizeTieredOptions::default())
    }
}

impl Strategy {
    /// Parses `compaction` options; the class may be short or fully qualified
    /// (`org.apache.cassandra.db.compaction.LeveledCompactionStrategy`).
    pub fn from_options(options: &CompactionOptions) -> Result<Strategy> {
        let class = options.class.rsplit('.').next().unwrap_or_default();
        match class {
            "SizeTieredCompactionStrategy" => {
                Ok(Strategy::SizeTiered(SizeTieredOptions::parse(options)?))
            }
            "LeveledCompactionStrategy" => Ok(Strategy::Leveled(LeveledOptions::parse(options)?)),
            "TimeWindowCompactionStrategy" => {
                Ok(Strategy::TimeWindow(TimeWindowOptions::parse(options)?))
            }
            _ => Err(StorageError::Invalid {
                detail: format!("unknown compaction strategy class {}", options.class),
            }),
        }
    }

    /// The next compaction worth running over `sstables` (none being compacted).
    pub fn next_task(&self, sstables: &[SSTableInfo]) -> Option<CompactionTask> {
        match self {
            Strategy::SizeTiered(o) => o.next_task(sstables),
            Strategy::Leveled(o) => o.next_task(sstables),
            Strategy::TimeWindow(o) => o.next_task(sstables),
        }
    }

    /// Level of the output of a major compaction (`nodetool compact`).
    pub fn major_output(&self) -> (u32, u64) {
        match self {
            Strategy::Leveled(o) => (1, o.sstable_size_bytes),
            _ => (0, u64::MAX),
        }
    }
}

/// Reads a positive number option, rejecting malformed values like Cassandra does.
pub(crate) fn positive(options: &CompactionOptions, name: &str, default: f64) -> Result<f64> {
    match options.options.get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if n > 0.0 && n.is_finite() => Ok(n),
            _ => Err(StorageError::Invalid {
                detail: format!("compaction option {name} must be a positive number, got {v:?}"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn opts(class: &str, kv: &[(&str, &str)]) -> CompactionOptions {
        CompactionOptions {
            class: class.into(),
            options: kv
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn parses_cassandra_class_names_and_rejects_bad_options() {
        assert!(matches!(
            Strategy::from_options(&opts(
                "org.apache.cassandra.db.compaction.LeveledCompactionStrategy",
                &[("sstable_size_in_mb", "2")]
            )),
            Ok(Strategy::Leveled(o)) if o.sstable_size_bytes == 2 << 20
        ));
        assert!(matches!(
            Strategy::from_options(&opts("TimeWindowCompactionStrategy", &[("compaction_window_unit", "HOURS")])),
            Ok(Strategy::TimeWindow(o)) if o.window_us == 3_600_000_000
        ));
        assert!(Strategy::from_options(&opts("Nope", &[])).is_err());
        assert!(
            Strategy::from_options(&opts(
                "SizeTieredCompactionStrategy",
                &[("min_threshold", "x")]
            ))
            .is_err()
        );
        assert!(
            Strategy::from_options(&opts(
                "TimeWindowCompactionStrategy",
                &[("compaction_window_unit", "WEEKS")]
            ))
            .is_err()
        );
    }
}
