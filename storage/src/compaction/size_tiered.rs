//! SizeTieredCompactionStrategy: groups SSTables of similar size into buckets
//! and merges a bucket once it holds `min_threshold` files (at most
//! `max_threshold`). Bucketing follows Cassandra's `getBuckets`: files are
//! visited smallest first; a file joins the first bucket whose average size
//! `avg` satisfies `avg * bucket_low < size < avg * bucket_high`, or where both
//! it and `avg` are below `min_sstable_size`. Without read-hotness tracking the
//! most interesting bucket is the one with the smallest average size (cheapest
//! work that reduces the file count most).

use super::strategy::{CompactionTask, SSTableInfo, positive};
use crate::error::{Result, StorageError};
use crate::schema::CompactionOptions;

/// Options with Cassandra's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeTieredOptions {
    pub min_threshold: usize,
    pub max_threshold: usize,
    pub bucket_low: f64,
    pub bucket_high: f64,
    pub min_sstable_size_bytes: u64,
}

impl Default for SizeTieredOptions {
    fn default() -> Self {
        SizeTieredOptions {
            min_threshold: 4,
            max_threshold: 32,
            bucket_low: 0.5,
            bucket_high: 1.5,
            min_sstable_size_bytes: 50 << 20,
        }
    }
}

impl SizeTieredOptions {
    pub fn parse(options: &CompactionOptions) -> Result<Self> {
        let d = SizeTieredOptions::default();
        let o = SizeTieredOptions {
            min_threshold: positive(options, "min_threshold", d.min_threshold as f64)? as usize,
            max_threshold: positive(options, "max_threshold", d.max_threshold as f64)? as usize,
            bucket_low: positive(options, "bucket_low", d.bucket_low)?,
            bucket_high: positive(options, "bucket_high", d.bucket_high)?,
            // Cassandra's option is in bytes.
            min_sstable_size_bytes: positive(
                options,
                "min_sstable_size",
                d.min_sstable_size_bytes as f64,
            )? as u64,
        };
        if o.min_threshold < 2 || o.max_threshold < o.min_threshold {
            return Err(StorageError::Invalid {
                detail: "compaction needs 2 <= min_threshold <= max_threshold".into(),
            });
        }
        if o.bucket_low >= o.bucket_high {
            return Err(StorageError::Invalid {
                detail: "bucket_low must be below bucket_high".into(),
            });
        }
        Ok(o)
    }

    /// Buckets of similar-sized SSTables (Cassandra's `getBuckets`).
    pub fn buckets<'a>(&self, sstables: &[&'a SSTableInfo]) -> Vec<Vec<&'a SSTableInfo>> {
        let mut sorted: Vec<&SSTableInfo> = sstables.to_vec();
        sorted.sort_by_key(|s| (s.size_bytes, s.generation));
        let mut buckets: Vec<(f64, Vec<&SSTableInfo>)> = Vec::new();
        for sst in sorted {
            let size = sst.size_bytes as f64;
            let small = self.min_sstable_size_bytes as f64;
            let fits = |avg: f64| {
                (size > avg * self.bucket_low && size < avg * self.bucket_high)
                    || (size < small && avg < small)
            };
            match buckets.iter_mut().find(|(avg, _)| fits(*avg)) {
                Some((avg, members)) => {
                    let n = members.len() as f64;
                    *avg = (*avg * n + size) / (n + 1.0);
                    members.push(sst);
                }
                None => buckets.push((size, vec![sst])),
            }
        }
        buckets.into_iter().map(|(_, b)| b).collect()
    }

    /// The bucket to compact among `sstables`, trimmed to `max_threshold`.
    pub fn pick<'a>(&self, sstables: &[&'a SSTableInfo]) -> Option<Vec<&'a SSTableInfo>> {
        self.buckets(sstables)
            .into_iter()
            .filter(|b| b.len() >= self.min_threshold)
            .map(|mut b| {
                b.truncate(self.max_threshold);
                b
            })
            .min_by_key(|b| b.iter().map(|s| s.size_bytes).sum::<u64>() / b.len() as u64)
    }

    pub fn next_task(&self, sstables: &[SSTableInfo]) -> Option<CompactionTask> {
        let all: Vec<&SSTableInfo> = sstables.iter().collect();
        let bucket = self.pick(&all)?;
        Some(CompactionTask::new(
            bucket.iter().map(|s| s.generation).collect(),
            0,
            u64::MAX,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn info(generation: u64, size_bytes: u64) -> SSTableInfo {
        SSTableInfo {
            generation,
            size_bytes,
            level: 0,
            min_token: 0,
            max_token: 100,
            min_timestamp_us: 0,
            max_timestamp_us: 0,
        }
    }

    fn opts() -> SizeTieredOptions {
        SizeTieredOptions {
            min_sstable_size_bytes: 10,
            ..SizeTieredOptions::default()
        }
    }

    #[test]
    fn buckets_group_similar_sizes() {
        let ssts = [
            info(1, 100),
            info(2, 110),
            info(3, 1000),
            info(4, 90),
            info(5, 1200),
            info(6, 5),
            info(7, 8),
        ];
        let refs: Vec<&SSTableInfo> = ssts.iter().collect();
        let mut gens: Vec<Vec<u64>> = opts()
            .buckets(&refs)
            .iter()
            .map(|b| {
                let mut g: Vec<u64> = b.iter().map(|s| s.generation).collect();
                g.sort();
                g
            })
            .collect();
        gens.sort();
        // 5 and 8 are both below min_sstable_size, so they share a bucket.
        assert_eq!(gens, vec![vec![1, 2, 4], vec![3, 5], vec![6, 7]]);
    }

    #[test]
    fn picks_smallest_full_bucket_and_honours_thresholds() {
        let o = SizeTieredOptions {
            min_threshold: 3,
            max_threshold: 4,
            ..opts()
        };
        let mut ssts: Vec<SSTableInfo> = (1..=6).map(|g| info(g, 1000 + g)).collect();
        ssts.extend((7..=9).map(|g| info(g, 100 + g)));
        let task = o.next_task(&ssts).expect("a task");
        assert_eq!(task.inputs, vec![7, 8, 9]);
        let big_only: Vec<SSTableInfo> = ssts.into_iter().filter(|s| s.generation <= 6).collect();
        let task = o.next_task(&big_only).expect("a task");
        assert_eq!(task.inputs.len(), 4, "trimmed to max_threshold");
        assert_eq!(o.next_task(&big_only[..2]), None, "below min_threshold");
    }
}
