//! Disk benchmarks of one shard, run inside a glommio executor the way a shard
//! runs (criterion cannot drive glommio futures, so this is a `harness = false`
//! binary that prints medians). Each storage number is printed next to the raw
//! capability of the same disk measured in the same run:
//!
//! * commitlog appends/s of ~200-byte entries, periodic mode (target >= 2M/s),
//!   and the batch-mode acknowledgement latency distribution;
//! * flush write bandwidth vs raw O_DIRECT sequential writes (target >= 60 %);
//! * SSTable point reads at 32 in flight vs raw 4 KiB random reads at queue
//!   depth 32 (target >= 80 %).
//!
//! `cargo bench -p sibyl-storage --bench disk [-- FILTER...]`; filters are
//! substrings of `commitlog`, `flush`, `reads`. Files go to `$SIBYL_TEST_DIR`
//! or `target/sibyl-test-tmp` (O_DIRECT needs a real file system).

#![expect(clippy::unwrap_used, reason = "benchmark binary")]
#![expect(clippy::print_stdout, reason = "benchmark binary prints its results")]

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::AsyncWriteExt;
use glommio::io::{DmaFile, DmaStreamWriterBuilder};
use hdrhistogram::Histogram;
use sibyl_storage::cache::BlockCache;
use sibyl_storage::commitlog::{Commitlog, CommitlogConfig, ReplayPosition, SyncMode};
use sibyl_storage::io::Disk;
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::memtable::Memtable;
use sibyl_storage::mutation::{Cell as DataCell, Partition, PartitionUpdate, Row};
use sibyl_storage::schema::{ClusteringComparator, ClusteringOrder, TableSchema, ValueType};
use sibyl_storage::sstable::SSTable;
use sibyl_storage::sstable::header::SerializationHeader;
use sibyl_storage::sstable::writer::{WriteOptions, write_sstable};

const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_secs(1);
const QUEUE_DEPTH: usize = 32;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Deterministic pseudo-random numbers (xorshift64*), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Runs `writers` tasks that append + wait until `deadline`; returns appends.
async fn commitlog_round(log: &Commitlog, writers: usize, payload: &[u8]) -> u64 {
    let count = Rc::new(Cell::new(0u64));
    let deadline = Instant::now() + ROUND;
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let (log, count, payload) = (log.clone(), Rc::clone(&count), payload.to_vec());
        tasks.push(glommio::spawn_local(async move {
            while Instant::now() < deadline {
                let pos = log.append(1, &payload).await.unwrap();
                log.wait_durable(pos).await.unwrap();
                count.set(count.get() + 1);
            }
        }));
    }
    for t in tasks {
        t.await;
    }
    count.get()
}

async fn bench_commitlog(dir: &Path) {
    let disk: Rc<dyn Disk> = Rc::new(DmaDisk::new());
    let payload = vec![0x5a; 200 - 16];
    let mut config = CommitlogConfig::new(dir.join("periodic"), 0);
    config.sync = SyncMode::Periodic { period_ms: 10_000 };
    std::fs::create_dir_all(&config.dir).unwrap();
    let log = Commitlog::open(Rc::clone(&disk), config).await.unwrap();
    for writers in [1, 64, 512] {
        let mut rates = Vec::new();
        for _ in 0..ROUNDS {
            let n = commitlog_round(&log, writers, &payload).await;
            rates.push(n as f64 / ROUND.as_secs_f64());
            // Keep segments from piling up: everything is "flushed".
            log.discard_completed(1, log.current_position())
                .await
                .unwrap();
        }
        let s = log.stats();
        println!(
            "commitlog periodic, 200-byte entries, {writers:>3} writers: median {:.0} appends/s \
             (entries {} writes {} syncs {})",
            median(rates),
            s.entries,
            s.writes,
            s.syncs
        );
    }
    log.close().await.unwrap();

    let mut config = CommitlogConfig::new(dir.join("batch"), 0);
    config.sync = SyncMode::Batch;
    std::fs::create_dir_all(&config.dir).unwrap();
    let log = Commitlog::open(disk, config).await.unwrap();
    for writers in [1, 64] {
        let hist = Rc::new(RefCell::new(Histogram::<u64>::new(3).unwrap()));
        let deadline = Instant::now() + ROUND * 3;
        let mut tasks = Vec::new();
        for _ in 0..writers {
            let (log, hist, payload) = (log.clone(), Rc::clone(&hist), payload.clone());
            tasks.push(glommio::spawn_local(async move {
                while Instant::now() < deadline {
                    let start = Instant::now();
                    let pos = log.append(1, &payload).await.unwrap();
                    log.wait_durable(pos).await.unwrap();
                    let us = start.elapsed().as_micros() as u64;
                    hist.borrow_mut().record(us.max(1)).unwrap();
                }
            }));
        }
        for t in tasks {
            t.await;
        }
        log.discard_completed(1, log.current_position())
            .await
            .unwrap();
        let h = hist.borrow();
        println!(
            "commitlog batch, 200-byte entries, {writers:>3} writers: {:.0} appends/s, latency us \
             p50 {} p90 {} p99 {} p99.9 {} max {}",
            h.len() as f64 / (ROUND * 3).as_secs_f64(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        );
    }
    log.close().await.unwrap();
}

/// Raw O_DIRECT sequential write of `total_bytes` in 1 MiB writes, 4 in
/// flight, including the final fdatasync. Returns bytes/s.
async fn raw_sequential_write(path: &Path, total_bytes: usize) -> f64 {
    // Let the crate's disk probe the device first (see io::dma).
    drop(DmaDisk::new().create(path).await.unwrap());
    let file = DmaFile::create(path).await.unwrap();
    let mut w = DmaStreamWriterBuilder::new(file)
        .with_buffer_size(1 << 20)
        .with_write_behind(4)
        .build();
    let block = vec![0xa5u8; 1 << 20];
    let start = Instant::now();
    for _ in 0..total_bytes / block.len() {
        w.write_all(&block).await.unwrap();
    }
    w.sync().await.unwrap();
    let elapsed = start.elapsed();
    w.close().await.unwrap();
    total_bytes as f64 / elapsed.as_secs_f64()
}

fn table_schema() -> TableSchema {
    TableSchema {
        id: 1,
        keyspace: "bench".into(),
        name: "t".into(),
        clustering: vec![(ValueType::Int, ClusteringOrder::Asc)],
        columns: Vec::new(),
        options: Default::default(),
    }
}

/// Partitions of one row with a `value_bytes` random value, in ring order.
fn partitions(n: u64, value_bytes: usize, rng: &mut Rng) -> Vec<PartitionUpdate> {
    let mut v: Vec<PartitionUpdate> = (0..n)
        .map(|i| {
            let mut value = vec![0u8; value_bytes];
            rng.fill(&mut value);
            PartitionUpdate::new(i.to_be_bytes().to_vec(), token_of(i)).with_row(
                vec![1i32.to_be_bytes().to_vec()],
                Row::default().with_cell(1, DataCell::live(1, value)),
            )
        })
        .collect();
    v.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
    v
}

fn token_of(i: u64) -> i64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15) as i64
}

fn options(generation: u64, n: usize) -> WriteOptions {
    WriteOptions {
        generation,
        bloom_filter_fp_chance: 0.01,
        expected_partitions: n,
        commitlog_upper_bound: ReplayPosition::NONE,
        level: 0,
        header: SerializationHeader::from_schema(&table_schema()),
        chunk_bytes: sibyl_storage::sstable::writer::CHUNK_BYTES,
    }
}

async fn bench_flush(dir: &Path) {
    const TOTAL_BYTES: usize = 128 << 20;
    let mut raw = Vec::new();
    for i in 0..3 {
        raw.push(raw_sequential_write(&dir.join(format!("raw-{i}")), TOTAL_BYTES).await);
        std::fs::remove_file(dir.join(format!("raw-{i}"))).unwrap();
    }
    let raw = median(raw);
    // Random values: lz4 cannot shrink them, so disk bytes ~ memtable bytes.
    let mut rng = Rng(42);
    let updates = partitions((TOTAL_BYTES / 1024) as u64, 1000, &mut rng);
    let mut memtable = Memtable::new(Rc::new(ClusteringComparator {
        components: vec![(ValueType::Int, ClusteringOrder::Asc)],
    }));
    for u in &updates {
        memtable.apply(u, ReplayPosition::NONE);
    }
    drop(updates);
    let disk = DmaDisk::new();
    let mut rates = Vec::new();
    for generation in 1..=3u64 {
        let start = Instant::now();
        // What `Table::write_memtable` does.
        let updates: Vec<_> = memtable.iter().map(Partition::to_update).collect();
        write_sstable(&disk, dir, &options(generation, updates.len()), updates)
            .await
            .unwrap();
        let elapsed = start.elapsed();
        let sst = SSTable::open(&disk, dir, generation).await.unwrap();
        rates.push(sst.data_size_bytes() as f64 / elapsed.as_secs_f64());
        for path in sst.component_paths() {
            std::fs::remove_file(path).unwrap();
        }
    }
    let flush = median(rates);
    println!(
        "flush of a {} MiB memtable: median {:.0} MB/s Data.db; raw O_DIRECT sequential write \
         (1 MiB x 4 in flight): {:.0} MB/s; ratio {:.0} %",
        memtable.size_bytes() >> 20,
        flush / 1e6,
        raw / 1e6,
        100.0 * flush / raw
    );
}

/// Runs `QUEUE_DEPTH` tasks calling `op` until the round ends; returns ops/s.
async fn qd_round<F, Fut>(op: F) -> f64
where
    F: Fn(u64) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let count = Rc::new(Cell::new(0u64));
    let deadline = Instant::now() + ROUND;
    let mut tasks = Vec::new();
    for t in 0..QUEUE_DEPTH as u64 {
        let (op, count) = (op.clone(), Rc::clone(&count));
        tasks.push(glommio::spawn_local(async move {
            let mut rng = Rng(t * 7919 + 1);
            while Instant::now() < deadline {
                op(rng.next()).await;
                count.set(count.get() + 1);
            }
        }));
    }
    for t in tasks {
        t.await;
    }
    count.get() as f64 / ROUND.as_secs_f64()
}

/// CPU seconds (user + system) this thread has used so far, from
/// `/proc/thread-self/stat` (clock ticks, assumed 100 Hz).
fn thread_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is the
    // 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// The read variants: chunk KiB and whether the partition index is held in memory.
/// 3 KiB is not a power of two (so not a `chunk_length_in_kb`), but 3 KiB of
/// these incompressible values compresses to one page, as 4 KiB of ordinary,
/// compressible data does.
const READ_VARIANTS: [(usize, bool); 6] = [
    (64, false),
    (4, false),
    (64, true),
    (16, true),
    (4, true),
    (3, true),
];

fn read_variant_name(chunk_kib: usize, index_in_memory: bool) -> String {
    let place = if index_in_memory { "mem" } else { "disk" };
    format!("reads-{chunk_kib}k-{place}")
}

const RAW_FILE_BYTES: u64 = 512 << 20;

/// One round of raw 4 KiB random reads at `QUEUE_DEPTH`; returns IOPS.
async fn raw_read_round(file: Rc<DmaFile>) -> f64 {
    qd_round(move |r| {
        let file = Rc::clone(&file);
        async move {
            let pos = r % (RAW_FILE_BYTES / 4096) * 4096;
            file.read_at_aligned(pos, 4096).await.unwrap();
        }
    })
    .await
}

async fn bench_reads(dir: &Path, wanted: impl Fn(&str) -> bool) {
    let raw_path = dir.join("raw-read");
    raw_sequential_write(&raw_path, RAW_FILE_BYTES as usize).await;
    let file = Rc::new(DmaFile::open(&raw_path).await.unwrap());

    // 1M small partitions (~100 MB of data) per SSTable: data reads stay
    // cold. Variants: chunk size (Cassandra's chunk_length_in_kb), and the
    // partition index either read from disk per lookup or held in an index
    // pool of the block cache (warmed by one pass over the index, as
    // Cassandra's key cache or ScyllaDB's index cache would hold it), with no
    // data chunk ever cached.
    const N: u64 = 1_000_000;
    let disk = DmaDisk::new();
    let mut generation = 100;
    for (chunk_kib, index_in_memory) in READ_VARIANTS {
        if !wanted(&read_variant_name(chunk_kib, index_in_memory)) {
            continue;
        }
        generation += 1;
        let mut rng = Rng(7);
        let mut write = options(generation, N as usize);
        write.chunk_bytes = chunk_kib << 10;
        write_sstable(&disk, dir, &write, partitions(N, 64, &mut rng))
            .await
            .unwrap();
        let cache = if index_in_memory {
            Rc::new(BlockCache::with_index_pool(0, 1 << 30))
        } else {
            BlockCache::disabled()
        };
        let sst = Rc::new(
            SSTable::open_with_cache(&disk, dir, generation, cache.clone())
                .await
                .unwrap(),
        );
        if index_in_memory {
            assert_eq!(sst.all_entries().await.unwrap().len() as u64, N);
        }
        let (mut reads, mut raw) = (Vec::new(), Vec::new());
        eprintln!(
            "measuring {}",
            read_variant_name(chunk_kib, index_in_memory)
        );
        // Raw and SSTable rounds alternate so both see the same machine load.
        let (mut cpu_s, mut wall_s) = (0.0, 0.0);
        for _ in 0..ROUNDS {
            raw.push(raw_read_round(Rc::clone(&file)).await);
            let sst = Rc::clone(&sst);
            let (cpu_start, wall_start) = (thread_cpu_s(), Instant::now());
            reads.push(
                qd_round(move |r| {
                    let sst = Rc::clone(&sst);
                    async move {
                        let i = r % N;
                        let found = sst.get(token_of(i), &i.to_be_bytes()).await.unwrap();
                        assert!(found.is_some());
                    }
                })
                .await,
            );
            cpu_s += thread_cpu_s() - cpu_start;
            wall_s += wall_start.elapsed().as_secs_f64();
        }
        let cpu_busy = cpu_s / wall_s;
        let (reads, raw) = (median(reads), median(raw));
        let stats = cache.stats();
        println!(
            "point reads, {N} one-row partitions, {chunk_kib} KiB chunks, index {}, \
             {QUEUE_DEPTH} in flight: median {reads:.0} reads/s; raw 4 KiB random reads at \
             QD {QUEUE_DEPTH} (alternating rounds): {raw:.0} IOPS; ratio {:.0} % (index cache {} MiB, {} hits, {} misses; \
             shard thread CPU {:.0} % busy)",
            if index_in_memory {
                "in memory"
            } else {
                "read per lookup"
            },
            100.0 * reads / raw,
            stats.size_bytes >> 20,
            stats.hits,
            stats.misses,
            100.0 * cpu_busy,
        );
        for path in sst.component_paths() {
            std::fs::remove_file(path).unwrap();
        }
    }
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    let dir = sibyl_storage::testing::temp_dir();
    let path = dir.path().to_path_buf();
    let (c, f) = (wanted("commitlog"), wanted("flush"));
    let r = READ_VARIANTS
        .iter()
        .any(|(k, m)| wanted(&read_variant_name(*k, *m)));
    let wanted_reads =
        move |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    sibyl_storage::testing::run(move || async move {
        if c {
            bench_commitlog(&path).await;
        }
        if f {
            bench_flush(&path).await;
        }
        if r {
            bench_reads(&path, wanted_reads).await;
        }
    });
}
