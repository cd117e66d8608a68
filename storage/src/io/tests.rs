//! Conformance tests every [`Disk`] must pass, run against the DMA disk and
//! the simulated disk, plus tests of the simulator's fault model.

use std::path::Path;
use std::rc::Rc;

use super::dma::DmaDisk;
use super::sim::{FaultConfig, SimDisk};
use super::writer::AlignedWriter;
use super::{ALIGNMENT, Disk, read_all};
use crate::testing::run;

async fn conformance(disk: Rc<dyn Disk>, dir: &Path) {
    disk.create_dir_all(dir).unwrap();
    let path = dir.join("a.db");
    let file = disk.create(&path).await.unwrap();
    let mut writer = AlignedWriter::new(Rc::clone(&file), 8192);
    let payload: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    writer.write(&payload[..5000]).await.unwrap();
    writer.write(&payload[5000..]).await.unwrap();
    assert_eq!(writer.finish().await.unwrap(), 20_000);
    assert_eq!(file.size().await.unwrap(), 20_000);
    let reopened = disk.open(&path, false).await.unwrap();
    assert_eq!(read_all(reopened.as_ref()).await.unwrap(), payload);
    // Unaligned read inside, and a short read at the end.
    assert_eq!(
        reopened.read_at(4097, 10).await.unwrap(),
        payload[4097..4107]
    );
    assert_eq!(
        reopened.read_at(19_990, 100).await.unwrap(),
        payload[19_990..]
    );
    // Overwrite an aligned block in place.
    let rw = disk.open(&path, true).await.unwrap();
    rw.write_at(&vec![7u8; ALIGNMENT], 4096).await.unwrap();
    rw.sync().await.unwrap();
    assert_eq!(rw.read_at(4096, 3).await.unwrap(), vec![7, 7, 7]);
    let renamed = dir.join("b.db");
    disk.rename(&path, &renamed).await.unwrap();
    assert!(!disk.exists(&path));
    assert_eq!(disk.list(dir).unwrap(), vec![renamed.clone()]);
    disk.remove(&renamed).await.unwrap();
    assert!(disk.list(dir).unwrap().is_empty());
    let pre = disk.create(&dir.join("c.log")).await.unwrap();
    pre.allocate(1 << 20).await.unwrap();
    pre.write_at(&vec![1u8; ALIGNMENT], 0).await.unwrap();
    pre.sync().await.unwrap();
}

#[test]
fn conformance_on_dma_disk() {
    let tmp = crate::testing::temp_dir();
    let dir = tmp.path().join("data");
    run(move || async move { conformance(Rc::new(DmaDisk::new()), &dir).await });
}

#[test]
fn conformance_on_scheduled_dma_disk() {
    use super::sched::{IoScheduler, SchedDisk, SchedulerConfig};
    let tmp = crate::testing::temp_dir();
    let dir = tmp.path().join("data");
    run(move || async move {
        let scheduler = Rc::new(IoScheduler::new(SchedulerConfig {
            // Small pieces so the split paths run against the real disk.
            max_request_bytes: ALIGNMENT,
            ..SchedulerConfig::default()
        }));
        let disk = SchedDisk::new(Rc::new(DmaDisk::new()), Rc::clone(&scheduler));
        conformance(Rc::new(disk), &dir).await;
        assert_eq!(scheduler.in_flight_cost_ns(), 0);
    });
}

#[test]
fn conformance_on_sim_disk() {
    run(|| async { conformance(Rc::new(SimDisk::new(1)), Path::new("/sim/data")).await });
}

#[test]
fn conformance_on_sim_disk_with_latency() {
    run(|| async {
        let disk = SimDisk::new(2);
        disk.set_faults(FaultConfig {
            latency_us_max: 50,
            ..FaultConfig::default()
        });
        conformance(Rc::new(disk), Path::new("/sim/data")).await
    });
}

#[test]
fn sim_power_loss_keeps_synced_and_may_drop_unsynced() {
    run(|| async {
        let disk = SimDisk::new(3);
        let path = Path::new("/sim/x");
        let file = disk.create(path).await.unwrap();
        file.write_at(&vec![1u8; ALIGNMENT], 0).await.unwrap();
        file.sync().await.unwrap();
        let mut lost_any = false;
        for round in 0..16u64 {
            file.write_at(&vec![2u8; ALIGNMENT], ALIGNMENT as u64 * (round + 1))
                .await
                .unwrap();
            disk.power_loss();
            let data = file.read_at(0, ALIGNMENT).await.unwrap();
            assert_eq!(data, vec![1u8; ALIGNMENT], "synced data survives");
            let tail = file
                .read_at(ALIGNMENT as u64 * (round + 1), ALIGNMENT)
                .await
                .unwrap();
            lost_any |= tail.first() != Some(&2);
        }
        assert!(
            lost_any,
            "some unsynced write should be lost across 16 power losses"
        );
    });
}

#[test]
fn sim_injected_failures_surface_as_errors() {
    run(|| async {
        let disk = SimDisk::new(4);
        let file = disk.create(Path::new("/sim/y")).await.unwrap();
        disk.set_faults(FaultConfig {
            fail_writes: true,
            ..FaultConfig::default()
        });
        assert!(file.write_at(&vec![0u8; ALIGNMENT], 0).await.is_err());
        assert!(file.sync().await.is_err());
        disk.set_faults(FaultConfig {
            read_corrupt_per_million: 1_000_000,
            ..FaultConfig::default()
        });
        assert_eq!(file.size().await.unwrap(), 0);
    });
}

/// Write-behind keeps several block writes in flight; with random latency
/// they complete out of order, and the file must still read back exactly.
#[test]
fn write_behind_with_latency_round_trips_many_blocks() {
    run(|| async {
        let disk = SimDisk::new(9);
        disk.set_faults(FaultConfig {
            latency_us_max: 300,
            ..FaultConfig::default()
        });
        let file = disk.create(Path::new("/sim/wb")).await.unwrap();
        let mut writer = AlignedWriter::new(Rc::clone(&file), ALIGNMENT);
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
        for piece in payload.chunks(3000) {
            writer.write(piece).await.unwrap();
        }
        assert_eq!(writer.finish().await.unwrap(), payload.len() as u64);
        assert_eq!(read_all(file.as_ref()).await.unwrap(), payload);
    });
}

/// A background write that fails must fail `finish` (nothing declared durable).
#[test]
fn write_behind_failure_fails_finish() {
    run(|| async {
        let disk = SimDisk::new(10);
        let file = disk.create(Path::new("/sim/wbf")).await.unwrap();
        let mut writer = AlignedWriter::new(Rc::clone(&file), ALIGNMENT);
        disk.set_faults(FaultConfig {
            fail_writes: true,
            ..FaultConfig::default()
        });
        // Small enough that every write error is still in flight or pending.
        let mut result = Ok(());
        for _ in 0..3 {
            result = result.and(writer.write(&vec![1u8; ALIGNMENT]).await);
        }
        let finished = writer.finish().await;
        assert!(result.is_err() || finished.is_err());
    });
}
