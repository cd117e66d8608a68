//! Commitlog behaviour, run against both the DMA disk and the simulated disk.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::replay::replay;
use super::segment::SegmentEnd;
use super::*;
use crate::io::dma::DmaDisk;
use crate::io::sim::{FaultConfig, SimDisk};
use crate::mutation::{Cell, Mutation, PartitionUpdate, Row, codec};
use crate::testing::run;

fn mutation(i: u32, size: usize) -> Vec<u8> {
    let update = PartitionUpdate::new(i.to_be_bytes().to_vec(), i64::from(i)).with_row(
        vec![i.to_be_bytes().to_vec()],
        Row::default().with_cell(1, Cell::live(i64::from(i), vec![7; size])),
    );
    let mut out = Vec::new();
    codec::encode_mutation(&Mutation::new(1, update), &mut out);
    out
}

fn config(dir: &Path, sync: SyncMode) -> CommitlogConfig {
    CommitlogConfig {
        sync,
        segment_size_bytes: 64 << 10,
        max_spare_segments: 2,
        ..CommitlogConfig::new(dir.to_path_buf(), 0)
    }
}

async fn replayed_keys(disk: Rc<dyn Disk>, dir: &Path) -> (Vec<u32>, super::replay::ReplayReport) {
    let mut keys = Vec::new();
    let report = replay(disk, dir, 0, |_, m| {
        keys.push(u32::from_be_bytes(
            m.update.key.as_slice().try_into().unwrap(),
        ));
        Ok(())
    })
    .await
    .unwrap();
    (keys, report)
}

async fn append_then_replay(disk: Rc<dyn Disk>, dir: PathBuf, sync: SyncMode) {
    let log = Commitlog::open(Rc::clone(&disk), config(&dir, sync))
        .await
        .unwrap();
    for i in 0..300u32 {
        let pos = log.append(1, &mutation(i, 200)).await.unwrap();
        log.wait_durable(pos).await.unwrap();
    }
    assert!(
        log.stats().segments_created > 1,
        "64 KiB segments must rotate"
    );
    log.close().await.unwrap();
    let (keys, report) = replayed_keys(disk, &dir).await;
    assert_eq!(keys, (0..300).collect::<Vec<_>>());
    assert_eq!(report.corrupt_segments().count(), 0);
}

#[test]
fn append_and_replay_on_dma_disk_batch() {
    let tmp = crate::testing::temp_dir();
    let dir = tmp.path().join("cl");
    run(move || append_then_replay(Rc::new(DmaDisk::new()), dir, SyncMode::Batch));
}

#[test]
fn append_and_replay_on_dma_disk_periodic() {
    let tmp = crate::testing::temp_dir();
    let dir = tmp.path().join("cl");
    run(move || {
        append_then_replay(
            Rc::new(DmaDisk::new()),
            dir,
            SyncMode::Periodic { period_ms: 5 },
        )
    });
}

#[test]
fn append_and_replay_on_sim_disk() {
    run(|| {
        append_then_replay(
            Rc::new(SimDisk::new(1)),
            PathBuf::from("/cl"),
            SyncMode::Batch,
        )
    });
}

#[test]
fn concurrent_batch_writers_share_syncs() {
    run(|| async {
        let disk = SimDisk::new(5);
        disk.set_faults(FaultConfig {
            latency_us_max: 200,
            ..FaultConfig::default()
        });
        let log = Commitlog::open(Rc::new(disk), config(Path::new("/cl"), SyncMode::Batch))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..64u32)
            .map(|i| {
                let log = log.clone();
                glommio::spawn_local(async move {
                    let pos = log.append(1, &mutation(i, 50)).await.unwrap();
                    log.wait_durable(pos).await.unwrap();
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        let stats = log.stats();
        assert_eq!(stats.entries, 64);
        assert!(
            stats.syncs < 64,
            "group commit should share syncs: {stats:?}"
        );
    });
}

/// Regression: writers queued FIFO on the I/O permit formed a convoy in
/// which each write carried about one new entry. Waiting for the in-flight
/// write instead must let steady-state writes carry many entries.
#[test]
fn periodic_writers_in_steady_state_share_writes() {
    run(|| async {
        let disk = SimDisk::new(6);
        disk.set_faults(FaultConfig {
            latency_us_max: 200,
            ..FaultConfig::default()
        });
        let sync = SyncMode::Periodic {
            period_ms: 1_000_000,
        };
        let log = Commitlog::open(Rc::new(disk), config(Path::new("/cl"), sync))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..64u32)
            .map(|i| {
                let log = log.clone();
                glommio::spawn_local(async move {
                    for _ in 0..10 {
                        let pos = log.append(1, &mutation(i, 50)).await.unwrap();
                        log.wait_durable(pos).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        let stats = log.stats();
        assert_eq!(stats.entries, 640);
        assert!(
            stats.writes * 4 < stats.entries,
            "writes should carry many entries each: {stats:?}"
        );
    });
}

/// Every acknowledged entry survives a power loss in batch mode and a process
/// crash in periodic mode, even though periodic never synced.
#[test]
fn acknowledged_entries_survive_crashes() {
    for (sync, power_loss) in [
        (SyncMode::Batch, true),
        (
            SyncMode::Periodic {
                period_ms: 1_000_000,
            },
            false,
        ),
    ] {
        run(move || async move {
            let disk = SimDisk::new(9);
            let dir = Path::new("/cl");
            let log = Commitlog::open(Rc::new(disk.clone()), config(dir, sync))
                .await
                .unwrap();
            let mut acked = Vec::new();
            for i in 0..200u32 {
                let pos = log.append(1, &mutation(i, 100)).await.unwrap();
                log.wait_durable(pos).await.unwrap();
                acked.push(i);
            }
            // Unacknowledged tail: appended but never waited for.
            for i in 200..210u32 {
                log.append(1, &mutation(i, 100)).await.unwrap();
            }
            drop(log);
            if power_loss {
                disk.power_loss();
            } else {
                disk.crash_process();
            }
            let (keys, _) = replayed_keys(Rc::new(disk), dir).await;
            assert!(keys.len() >= acked.len());
            assert_eq!(keys[..acked.len()], acked[..]);
        });
    }
}

#[test]
fn replay_stops_at_corruption_and_reports_it() {
    run(|| async {
        let disk = SimDisk::new(2);
        let dir = Path::new("/cl");
        let log = Commitlog::open(Rc::new(disk.clone()), config(dir, SyncMode::Batch))
            .await
            .unwrap();
        for i in 0..20u32 {
            let pos = log.append(1, &mutation(i, 100)).await.unwrap();
            log.wait_durable(pos).await.unwrap();
        }
        log.close().await.unwrap();
        let path = dir.join(segment::file_name(0, 1));
        // Inside the 11th entry (each is a bit over 100 bytes framed).
        assert!(disk.corrupt_byte(&path, HEADER_BYTES as usize + 10 * 130 + 60));
        let (keys, report) = replayed_keys(Rc::new(disk), dir).await;
        assert!(
            keys.len() >= 5 && keys.len() < 20,
            "stopped early: {}",
            keys.len()
        );
        assert_eq!(keys, (0..keys.len() as u32).collect::<Vec<_>>());
        let bad: Vec<_> = report.corrupt_segments().collect();
        assert_eq!(bad.len(), 1);
        assert!(bad[0].bytes_skipped > 0);
        assert!(
            matches!(&bad[0].end, SegmentEnd::Corrupt { detail, .. } if detail.contains("checksum"))
        );
    });
}

#[test]
fn failed_writes_are_never_acknowledged() {
    run(|| async {
        let disk = SimDisk::new(3);
        let log = Commitlog::open(
            Rc::new(disk.clone()),
            config(Path::new("/cl"), SyncMode::Batch),
        )
        .await
        .unwrap();
        let pos = log.append(1, &mutation(1, 10)).await.unwrap();
        log.wait_durable(pos).await.unwrap();
        disk.set_faults(FaultConfig {
            fail_writes: true,
            ..FaultConfig::default()
        });
        let pos = log.append(1, &mutation(2, 10)).await.unwrap();
        assert!(log.wait_durable(pos).await.is_err());
        disk.set_faults(FaultConfig::default());
        assert!(matches!(
            log.append(1, &mutation(3, 10)).await,
            Err(StorageError::CommitlogFailed { .. })
        ));
    });
}

#[test]
fn flushed_segments_are_recycled() {
    run(|| async {
        let disk: Rc<dyn Disk> = Rc::new(SimDisk::new(4));
        let log = Commitlog::open(Rc::clone(&disk), config(Path::new("/cl"), SyncMode::Batch))
            .await
            .unwrap();
        for i in 0..1000u32 {
            let pos = log.append(1, &mutation(i, 200)).await.unwrap();
            log.wait_durable(pos).await.unwrap();
        }
        assert!(log.closed_segments() > 1);
        log.discard_completed(1, log.current_position())
            .await
            .unwrap();
        assert_eq!(log.closed_segments(), 0);
        for i in 0..1000u32 {
            let pos = log.append(1, &mutation(i, 200)).await.unwrap();
            log.wait_durable(pos).await.unwrap();
        }
        assert!(log.stats().segments_recycled >= 2);
        // Recycled files hold stale entries from their previous life; replay
        // must still return exactly the live ones, in order.
        log.close().await.unwrap();
        let segments = super::replay::list_segments(disk.as_ref(), Path::new("/cl"), 0).unwrap();
        assert!(!segments.is_empty());
    });
}
