//! Model-based test of the whole engine: random mutations of every kind,
//! interleaved with flushes, major compactions (purging with gc_grace 0) and
//! crash-restarts, must read back exactly what the reference model computes.

use std::path::Path;
use std::rc::Rc;

use proptest::prelude::*;
use sibyl_storage::commitlog::SyncMode;
use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::sim::SimDisk;
use sibyl_storage::query::{ReadCommand, TokenRange};
use sibyl_storage::schema::{ClusteringOrder, CompactionOptions};
use sibyl_storage::testing::run;

use crate::model::{self, Op};

#[derive(Debug, Clone)]
enum Step {
    Write(Op),
    Flush,
    Compact,
    StrategyCompact,
    Restart,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => model::op_strategy(4).prop_map(Step::Write),
        2 => Just(Step::Flush),
        1 => Just(Step::Compact),
        2 => Just(Step::StrategyCompact),
        1 => Just(Step::Restart),
    ]
}

const NOW_S: i64 = 150;

fn config() -> EngineConfig {
    let mut c = EngineConfig::new(Path::new("/w"), 0);
    c.commitlog.sync = SyncMode::Batch;
    c.commitlog.segment_size_bytes = 64 << 10;
    c.memtable_budget_bytes = 4 << 10;
    // Compactions run as explicit steps so a simulated crash (dropping the
    // engine) cannot leave one running against the reopened engine.
    c.compaction.background = false;
    c.compaction.throughput_mb_per_s = 0.0;
    c
}

/// The table's `compaction` option for strategy `n`, with thresholds small
/// enough that a few flushes trigger work.
pub fn compaction_options(n: u8) -> CompactionOptions {
    let (class, options): (&str, &[(&str, &str)]) = match n % 3 {
        0 => (
            "SizeTieredCompactionStrategy",
            &[("min_threshold", "2"), ("max_threshold", "4")],
        ),
        1 => (
            "LeveledCompactionStrategy",
            &[("sstable_size_in_mb", "0.004"), ("fanout_size", "2")],
        ),
        _ => (
            "TimeWindowCompactionStrategy",
            &[
                ("compaction_window_unit", "MINUTES"),
                ("compaction_window_size", "1"),
                ("min_threshold", "2"),
            ],
        ),
    };
    CompactionOptions {
        class: class.into(),
        options: options
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

async fn check_all(engine: &ShardEngine, ops: &[Op]) -> Result<(), TestCaseError> {
    for key in 0..4u8 {
        let cmd =
            ReadCommand::single_partition(model::TABLE, vec![key], model::token_of(key), NOW_S);
        let result = engine.read(&cmd).await.expect("read");
        let got = result
            .partitions
            .first()
            .map(model::from_result)
            .unwrap_or_default();
        prop_assert_eq!(got, model::model_read(ops, key, NOW_S), "key {}", key);
    }
    // A full scan returns the same partitions in ring order, and paging by one
    // row at a time walks the same rows.
    let scan = engine
        .read(&ReadCommand::range(model::TABLE, TokenRange::FULL, NOW_S))
        .await
        .expect("scan");
    let tokens: Vec<i64> = scan.partitions.iter().map(|p| p.token).collect();
    let mut sorted = tokens.clone();
    sorted.sort();
    prop_assert_eq!(&tokens, &sorted);
    let total_rows: usize = scan.partitions.iter().map(|p| p.rows.len().max(1)).sum();
    let mut paged = 0usize;
    let mut cmd = ReadCommand {
        row_limit: 1,
        ..ReadCommand::range(model::TABLE, TokenRange::FULL, NOW_S)
    };
    for _ in 0..1000 {
        let page = engine.read(&cmd).await.expect("page");
        paged += page
            .partitions
            .iter()
            .map(|p| p.rows.len().max(1))
            .sum::<usize>();
        match page.next_page {
            Some(next) => cmd.paging = Some(next),
            None => break,
        }
    }
    prop_assert_eq!(paged, total_rows);
    Ok(())
}

fn run_steps(
    steps: Vec<Step>,
    desc: bool,
    gc_grace_zero: bool,
    strategy: u8,
) -> Result<(), TestCaseError> {
    run(move || async move {
        let order = if desc {
            ClusteringOrder::Desc
        } else {
            ClusteringOrder::Asc
        };
        let mut schema = model::schema(order);
        schema.options.compaction = compaction_options(strategy);
        if gc_grace_zero {
            schema.options.gc_grace_seconds = 0;
        }
        let disk = SimDisk::new(11);
        let mut engine = ShardEngine::open(Rc::new(disk.clone()), config(), vec![schema.clone()])
            .await
            .expect("open");
        let mut ops = Vec::new();
        for step in steps {
            match step {
                Step::Write(op) => {
                    // Both write entry points: borrowed (LWT, batches) and
                    // owned (the server's plain write path).
                    if ops.len() % 2 == 0 {
                        engine.apply(&op.to_mutation(desc)).await.expect("apply");
                    } else {
                        let mutation = op.to_mutation(desc);
                        engine.apply_owned(mutation).await.expect("apply");
                    }
                    ops.push(op);
                }
                Step::Flush => engine.flush(model::TABLE).await.expect("flush"),
                // Purging lets later writes with older or equal timestamps win
                // (Cassandra's gc_grace hazard, which the model does not model),
                // so mid-run compactions purge nothing; a final one below does.
                Step::Compact => engine.compact(model::TABLE, 0).await.expect("compact"),
                Step::StrategyCompact => {
                    engine
                        .run_compactions(model::TABLE, 0)
                        .await
                        .expect("strategy compaction");
                }
                Step::Restart => {
                    drop(engine);
                    disk.crash_process();
                    engine =
                        ShardEngine::open(Rc::new(disk.clone()), config(), vec![schema.clone()])
                            .await
                            .expect("reopen");
                }
            }
        }
        check_all(&engine, &ops).await?;
        engine.flush(model::TABLE).await.expect("flush");
        engine
            .compact(model::TABLE, NOW_S)
            .await
            .expect("final compaction");
        check_all(&engine, &ops).await?;
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn engine_matches_model_across_flush_compaction_restart(
        steps in proptest::collection::vec(step_strategy(), 0..60),
        desc: bool,
        gc_grace_zero: bool,
        strategy in 0u8..3,
    ) {
        run_steps(steps, desc, gc_grace_zero, strategy)?;
    }
}
