//! The four measurements: sequential write (which also lays out the test
//! file), sequential read, 4 KiB random write and 4 KiB random read, each
//! with `queue_depth` requests in flight on one glommio executor for a fixed
//! time. Reads and random writes stay inside the region the sequential write
//! covered, so no read hits a hole.

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use glommio::io::{DmaFile, OpenOptions};
use glommio::{LocalExecutorBuilder, Placement};

const SEQUENTIAL_BLOCK_BYTES: usize = 128 << 10;
const RANDOM_BLOCK_BYTES: usize = 4 << 10;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub directory: PathBuf,
    pub phase_duration: Duration,
    pub file_size_bytes: u64,
    pub queue_depth: usize,
    pub cpu: Option<usize>,
}

/// The results, rounded down to integers as iotune writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    pub read_iops: u64,
    pub read_bandwidth_bytes_per_s: u64,
    pub write_iops: u64,
    pub write_bandwidth_bytes_per_s: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SequentialWrite,
    SequentialRead,
    RandomWrite,
    RandomRead,
}

/// Runs the plan on a fresh executor (pinned if asked) and removes the file.
pub fn run(plan: Plan) -> Result<Measured, String> {
    let placement = plan.cpu.map_or(Placement::Unbound, Placement::Fixed);
    let executor = LocalExecutorBuilder::new(placement)
        .name("iotune")
        // Small registered pool (fits an 8 MiB memlock limit); larger
        // buffers come from the heap, still aligned for O_DIRECT.
        .io_memory(512 << 10)
        .make()
        .map_err(|e| format!("starting the executor: {e}"))?;
    executor.run(measure_all(plan))
}

/// glommio decides once per device whether reads may use the io_uring poll
/// ring, by reading the first block of the first file opened there; an empty
/// file passes that probe trivially and later reads fail with EOPNOTSUPP on
/// devices without polling (virtio). So let it probe a file holding a block
/// (the same workaround as `sibyl-storage`'s `io/dma.rs`).
async fn probe_polling(plan: &Plan) -> Result<(), String> {
    let probe = plan
        .directory
        .join(format!(".sibyl-iotune-probe-{}", std::process::id()));
    std::fs::write(&probe, vec![0u8; RANDOM_BLOCK_BYTES])
        .map_err(|e| format!("writing {}: {e}", probe.display()))?;
    let opened = DmaFile::open(&probe).await;
    let _ = std::fs::remove_file(&probe);
    let file = opened.map_err(|e| format!("opening {} with O_DIRECT: {e}", probe.display()))?;
    let _ = file.close().await;
    Ok(())
}

async fn measure_all(plan: Plan) -> Result<Measured, String> {
    probe_polling(&plan).await?;
    let path = plan
        .directory
        .join(format!("sibyl-iotune-{}.tmp", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .dma_open(&path)
        .await
        .map_err(|e| format!("opening {} with O_DIRECT: {e}", path.display()))?;
    let file = Rc::new(file);
    let result = measure_file(&plan, &file).await;
    let _ = file.remove().await;
    if let Ok(file) = Rc::try_unwrap(file) {
        let _ = file.close().await;
    }
    result
}

async fn measure_file(plan: &Plan, file: &Rc<DmaFile>) -> Result<Measured, String> {
    let size = align_down(plan.file_size_bytes, SEQUENTIAL_BLOCK_BYTES as u64)
        .max(SEQUENTIAL_BLOCK_BYTES as u64);
    if file.pre_allocate(size, false).await.is_err() {
        file.truncate(size)
            .await
            .map_err(|e| format!("sizing the test file: {e}"))?;
    }
    let write = phase(plan, file, Kind::SequentialWrite, size).await?;
    // Only the part the write pass reached holds data.
    let written = write.extent.clamp(SEQUENTIAL_BLOCK_BYTES as u64, size);
    let read = phase(plan, file, Kind::SequentialRead, written).await?;
    let random_write = phase(plan, file, Kind::RandomWrite, written).await?;
    let random_read = phase(plan, file, Kind::RandomRead, written).await?;
    Ok(Measured {
        read_iops: random_read.per_second(random_read.ops),
        read_bandwidth_bytes_per_s: read.per_second(read.bytes),
        write_iops: random_write.per_second(random_write.ops),
        write_bandwidth_bytes_per_s: write.per_second(write.bytes),
    })
}

/// Counters shared by one phase's workers (one thread: `Cell`s).
#[derive(Debug, Default)]
struct Progress {
    cursor: Cell<u64>,
    extent: Cell<u64>,
    ops: Cell<u64>,
    bytes: Cell<u64>,
}

#[derive(Debug)]
struct PhaseResult {
    ops: u64,
    bytes: u64,
    extent: u64,
    elapsed: Duration,
}

impl PhaseResult {
    fn per_second(&self, count: u64) -> u64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds <= 0.0 {
            0
        } else {
            (count as f64 / seconds) as u64
        }
    }
}

async fn phase(
    plan: &Plan,
    file: &Rc<DmaFile>,
    kind: Kind,
    region: u64,
) -> Result<PhaseResult, String> {
    let progress = Rc::new(Progress::default());
    let started = Instant::now();
    let deadline = started + plan.phase_duration;
    let workers: Vec<_> = (0..plan.queue_depth)
        .map(|worker| {
            let (file, progress) = (file.clone(), progress.clone());
            glommio::spawn_local(async move {
                worker_loop(&file, kind, region, &progress, deadline, worker as u64).await
            })
        })
        .collect();
    let mut first_error = None;
    for worker in workers {
        if let Err(e) = worker.await {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(format!("{kind:?}: {e}"));
    }
    let result = PhaseResult {
        ops: progress.ops.get(),
        bytes: progress.bytes.get(),
        extent: progress.extent.get(),
        elapsed: started.elapsed(),
    };
    eprintln!(
        "{kind:?}: {} ops, {} MiB in {:.2} s",
        result.ops,
        result.bytes >> 20,
        result.elapsed.as_secs_f64()
    );
    Ok(result)
}

async fn worker_loop(
    file: &DmaFile,
    kind: Kind,
    region: u64,
    progress: &Progress,
    deadline: Instant,
    worker: u64,
) -> Result<(), String> {
    let block = match kind {
        Kind::SequentialWrite | Kind::SequentialRead => SEQUENTIAL_BLOCK_BYTES,
        Kind::RandomWrite | Kind::RandomRead => RANDOM_BLOCK_BYTES,
    };
    let blocks = (region / block as u64).max(1);
    let mut buffer = file.alloc_dma_buffer(block);
    buffer.as_bytes_mut().fill(0x5a);
    let buffer = Rc::new(buffer);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ (worker + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    while Instant::now() < deadline {
        let offset = match kind {
            Kind::SequentialWrite | Kind::SequentialRead => {
                let at = progress.cursor.get();
                let next = at + block as u64;
                progress.cursor.set(if next >= blocks * block as u64 {
                    0
                } else {
                    next
                });
                at
            }
            Kind::RandomWrite | Kind::RandomRead => {
                rng = xorshift(rng);
                (rng % blocks) * block as u64
            }
        };
        let done = match kind {
            Kind::SequentialWrite | Kind::RandomWrite => file
                .write_rc_at(buffer.clone(), offset)
                .await
                .map_err(|e| format!("write at {offset}: {e}"))?,
            Kind::SequentialRead | Kind::RandomRead => file
                .read_at_aligned(offset, block)
                .await
                .map_err(|e| format!("read at {offset}: {e}"))?
                .len(),
        };
        progress.ops.set(progress.ops.get() + 1);
        progress.bytes.set(progress.bytes.get() + done as u64);
        progress
            .extent
            .set(progress.extent.get().max(offset + done as u64));
    }
    Ok(())
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

fn align_down(value: u64, alignment: u64) -> u64 {
    value - value % alignment
}
