//! Test-only helper for the SIGKILL crash test (`tests/integration/crash.rs`):
//! opens an engine on `WORKDIR`, then applies single-partition batches from
//! several concurrent writers forever, printing `ack <seq>` on stdout after
//! each batch is acknowledged. The parent kills it with SIGKILL at random
//! points and checks what survived. Not a product binary.
//!
//! Usage: `sibyl-storage-crash-child WORKDIR batch|periodic START_SEQ`

use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use sibyl_storage::commitlog::SyncMode;
use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::testing::crash;

const WRITERS: u64 = 8;

#[expect(
    clippy::unwrap_used,
    reason = "test helper: any failure should abort loudly"
)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let workdir = PathBuf::from(args.get(1).expect("WORKDIR"));
    let mode = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("batch")
        .to_owned();
    let start: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    sibyl_storage::testing::run(move || async move {
        let mut config = EngineConfig::new(&workdir, 0);
        config.commitlog.sync = if mode == "periodic" {
            SyncMode::Periodic { period_ms: 50 }
        } else {
            SyncMode::Batch
        };
        crash::tune(&mut config);
        let engine = ShardEngine::open(Rc::new(DmaDisk::new()), config, vec![crash::schema()])
            .await
            .unwrap();
        println!("ready");
        let next = Rc::new(std::cell::Cell::new(start));
        let mut writers = Vec::new();
        for _ in 0..WRITERS {
            let engine = engine.clone();
            let next = Rc::clone(&next);
            writers.push(glommio::spawn_local(async move {
                loop {
                    let seq = next.get();
                    next.set(seq + 1);
                    engine.apply(&crash::mutation(seq)).await.unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {seq}").unwrap();
                    out.flush().unwrap();
                }
            }));
        }
        for w in writers {
            w.await;
        }
    });
}
