//! SIGKILL crash test: a child process (`sibyl-storage-crash-child`) applies
//! batches under `batch` and `periodic` sync and prints acknowledgements; it
//! is killed at random points (its small memtables and segments make kills
//! land in flushes, compactions and segment switches), then the engine is
//! reopened here and every acknowledged batch must be present, and every
//! batch present must be complete. `SIBYL_CRASH_CYCLES` sets the number of
//! cycles (default 20; the nightly script raises it).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;

use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::query::{ReadCommand, TokenRange};
use sibyl_storage::testing::crash;

fn verify(workdir: PathBuf, acked: BTreeSet<u64>) -> (usize, usize) {
    sibyl_storage::testing::run(move || async move {
        let mut config = EngineConfig::new(&workdir, 0);
        crash::tune(&mut config);
        config.compaction.background = false;
        let engine = ShardEngine::open(Rc::new(DmaDisk::new()), config, vec![crash::schema()])
            .await
            .expect("reopen after SIGKILL");
        let scan = engine
            .read(&ReadCommand::range(crash::TABLE, TokenRange::FULL, 0))
            .await
            .expect("scan");
        let mut present = BTreeSet::new();
        for p in &scan.partitions {
            let seq = u64::from_be_bytes(p.key.as_slice().try_into().expect("8-byte key"));
            assert_eq!(
                p.rows.len(),
                crash::ROWS as usize,
                "batch {seq} half-applied"
            );
            for (i, r) in p.rows.iter().enumerate() {
                let cell = match r.row.columns.get(&1) {
                    Some(sibyl_storage::mutation::ColumnData::Simple(c)) => c,
                    other => panic!("batch {seq} row {i}: {other:?}"),
                };
                assert_eq!(
                    cell.value,
                    sibyl_storage::mutation::CellValue::Bytes(crash::value(seq, i as i32)),
                    "batch {seq} row {i} corrupted"
                );
            }
            present.insert(seq);
        }
        let lost: Vec<_> = acked.difference(&present).take(10).collect();
        assert!(lost.is_empty(), "acknowledged batches lost: {lost:?}");
        engine.close().await.expect("close");
        (present.len(), acked.len())
    })
}

fn one_cycle(
    workdir: &Path,
    mode: &str,
    start: u64,
    kill_after_acks: u64,
    acked: &mut BTreeSet<u64>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sibyl-storage-crash-child"))
        .arg(workdir)
        .arg(mode)
        .arg(start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn crash child");
    let stdout = child.stdout.take().expect("stdout");
    let mut acks = 0;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(seq) = line.strip_prefix("ack ") {
            acked.insert(seq.parse().expect("seq"));
            acks += 1;
            if acks >= kill_after_acks {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "child exited on its own: {status}");
}

#[test]
fn acknowledged_batches_survive_sigkill() {
    let cycles: u64 = std::env::var("SIBYL_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let tmp = sibyl_storage::testing::temp_dir();
    let mut acked = BTreeSet::new();
    let mut rng: u64 = 0x5EED ^ cycles;
    for cycle in 0..cycles {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mode = if cycle % 2 == 0 { "batch" } else { "periodic" };
        let kill_after = 1 + rng % 400;
        one_cycle(tmp.path(), mode, cycle * 1_000_000, kill_after, &mut acked);
        let (present, acked_n) = verify(tmp.path().to_path_buf(), acked.clone());
        assert!(present >= acked_n);
    }
}
