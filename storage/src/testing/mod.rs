//! Test support: runs a future on a fresh glommio executor, the way a shard
//! runs. Public so integration tests, benches and tools share it.

use std::future::Future;

/// Runs the future built by `make` to completion on a new single-threaded glommio executor.
///
/// # Panics
/// Panics when the executor cannot start (for example io_uring unavailable);
/// callers are tests, benches and tools.
#[expect(
    clippy::unwrap_used,
    reason = "test/tool entry point: failing loudly is the point"
)]
pub fn run<M, F, T>(make: M) -> T
where
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
        .spawn(make)
        .unwrap()
        .join()
        .unwrap()
}

/// A temporary directory on a file system that supports O_DIRECT (`/tmp` is
/// often tmpfs, which does not): `$SIBYL_TEST_DIR` or the workspace `target/`.
#[expect(clippy::unwrap_used, reason = "test/tool helper")]
pub fn temp_dir() -> tempfile::TempDir {
    let base = std::env::var_os("SIBYL_TEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/sibyl-test-tmp")
        });
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

pub mod decoders;

/// The workload shared by the SIGKILL crash test and its child process.
pub mod crash {
    use crate::engine::EngineConfig;
    use crate::mutation::{Cell, Mutation, PartitionUpdate, Row};
    use crate::schema::{
        ClusteringOrder, ColumnDef, ColumnKind, CompactionOptions, TableOptions, TableSchema,
        ValueType,
    };

    pub const TABLE: u64 = 77;
    /// Rows per batch: a batch is applied whole or not at all.
    pub const ROWS: i32 = 3;

    pub fn schema() -> TableSchema {
        let mut options = TableOptions::default();
        options.compaction = CompactionOptions {
            class: "SizeTieredCompactionStrategy".into(),
            options: [("min_threshold".to_owned(), "2".to_owned())].into(),
        };
        TableSchema {
            id: TABLE,
            keyspace: "crash".into(),
            name: "t".into(),
            clustering: vec![(ValueType::Int, ClusteringOrder::Asc)],
            columns: vec![ColumnDef {
                id: 1,
                name: "v".into(),
                kind: ColumnKind::Regular,
                is_complex: false,
                is_counter: false,
            }],
            options,
        }
    }

    /// Small memtables and segments so that kills land in flushes,
    /// compactions and segment switches often.
    pub fn tune(config: &mut EngineConfig) {
        config.memtable_budget_bytes = 96 << 10;
        config.commitlog.segment_size_bytes = 1 << 20;
        config.compaction.throughput_mb_per_s = 8.0;
    }

    pub fn token(seq: u64) -> i64 {
        (seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (seq >> 7)) as i64
    }

    pub fn value(seq: u64, row: i32) -> Vec<u8> {
        let mut v = seq.to_be_bytes().to_vec();
        v.extend_from_slice(&row.to_be_bytes());
        v.resize(64, row as u8);
        v
    }

    /// Batch `seq`: one partition with [`ROWS`] rows.
    pub fn mutation(seq: u64) -> Mutation {
        let mut u = PartitionUpdate::new(seq.to_be_bytes().to_vec(), token(seq));
        for row in 0..ROWS {
            u.rows.push((
                vec![row.to_be_bytes().to_vec()],
                Row::default().with_cell(1, Cell::live(seq as i64 + 1, value(seq, row))),
            ));
        }
        Mutation::new(TABLE, u)
    }
}
