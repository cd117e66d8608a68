//! The engine over a failing simulated disk: failed or torn writes surface as
//! errors (never as acknowledgements), and a restart comes back clean with
//! every acknowledged write.

use std::path::Path;
use std::rc::Rc;

use sibyl_storage::commitlog::SyncMode;
use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::sim::{FaultConfig, SimDisk};
use sibyl_storage::query::{ReadCommand, TokenRange};
use sibyl_storage::testing::{crash, run};

fn config() -> EngineConfig {
    let mut c = EngineConfig::new(Path::new("/w"), 0);
    c.commitlog.sync = SyncMode::Batch;
    c.commitlog.segment_size_bytes = 256 << 10;
    c.memtable_budget_bytes = 32 << 10;
    c.compaction.background = false;
    c
}

async fn open(disk: &SimDisk) -> ShardEngine {
    ShardEngine::open(Rc::new(disk.clone()), config(), vec![crash::schema()])
        .await
        .expect("restart must come back clean")
}

async fn present(engine: &ShardEngine) -> Vec<u64> {
    let scan = engine
        .read(&ReadCommand::range(crash::TABLE, TokenRange::FULL, 0))
        .await
        .expect("scan");
    let mut seqs: Vec<u64> = scan
        .partitions
        .iter()
        .map(|p| {
            assert_eq!(p.rows.len(), crash::ROWS as usize, "half-applied batch");
            u64::from_be_bytes(p.key.as_slice().try_into().expect("key"))
        })
        .collect();
    seqs.sort_unstable();
    seqs
}

#[test]
fn random_write_and_sync_failures_never_acknowledge_and_restart_clean() {
    for seed in 1..=4u64 {
        run(move || async move {
            let disk = SimDisk::new(seed);
            let mut acked = Vec::new();
            let mut failures = 0;
            let mut engine = open(&disk).await;
            disk.set_faults(FaultConfig {
                write_error_per_million: 20_000,
                sync_error_per_million: 20_000,
                ..FaultConfig::default()
            });
            for seq in 0..400u64 {
                match engine.apply(&crash::mutation(seq)).await {
                    Ok(()) => acked.push(seq),
                    Err(_) => {
                        failures += 1;
                        // A failed commitlog refuses writes until restart.
                        disk.set_faults(FaultConfig::default());
                        drop(engine);
                        disk.crash_process();
                        engine = open(&disk).await;
                        disk.set_faults(FaultConfig {
                            write_error_per_million: 20_000,
                            sync_error_per_million: 20_000,
                            ..FaultConfig::default()
                        });
                    }
                }
                if seq % 50 == 49 {
                    let _ = engine.flush(crash::TABLE).await;
                }
            }
            assert!(failures > 0, "seed {seed}: no fault was injected");
            disk.set_faults(FaultConfig::default());
            drop(engine);
            disk.crash_process();
            let engine = open(&disk).await;
            let got = present(&engine).await;
            let lost: Vec<_> = acked
                .iter()
                .filter(|s| got.binary_search(s).is_err())
                .collect();
            assert!(
                lost.is_empty(),
                "seed {seed}: acknowledged but lost {lost:?}"
            );
        });
    }
}

#[test]
fn power_loss_with_torn_writes_keeps_batch_acknowledged_writes() {
    for seed in 10..14u64 {
        run(move || async move {
            let disk = SimDisk::new(seed);
            let engine = open(&disk).await;
            disk.set_faults(FaultConfig {
                torn_write_per_million: 500_000,
                ..FaultConfig::default()
            });
            for seq in 0..200u64 {
                engine.apply(&crash::mutation(seq)).await.expect("apply");
                if seq == 120 {
                    engine.flush(crash::TABLE).await.expect("flush");
                }
            }
            drop(engine);
            disk.power_loss();
            disk.set_faults(FaultConfig::default());
            let engine = open(&disk).await;
            assert_eq!(
                present(&engine).await,
                (0..200).collect::<Vec<_>>(),
                "seed {seed}"
            );
        });
    }
}

#[test]
fn dead_disk_fails_writes_and_flushes_without_losing_acknowledged_data() {
    run(|| async {
        let disk = SimDisk::new(21);
        let engine = open(&disk).await;
        for seq in 0..50u64 {
            engine.apply(&crash::mutation(seq)).await.expect("apply");
        }
        disk.set_faults(FaultConfig {
            fail_writes: true,
            ..FaultConfig::default()
        });
        assert!(
            engine.apply(&crash::mutation(99)).await.is_err(),
            "acknowledged on a dead disk"
        );
        assert!(engine.flush(crash::TABLE).await.is_err());
        // Still readable from memory.
        assert!(
            present(&engine)
                .await
                .starts_with(&(0..50).collect::<Vec<_>>())
        );
        disk.set_faults(FaultConfig::default());
        drop(engine);
        disk.crash_process();
        let engine = open(&disk).await;
        let got = present(&engine).await;
        assert!(got.starts_with(&(0..50).collect::<Vec<_>>()), "{got:?}");
    });
}
