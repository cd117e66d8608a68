//! Criterion micro-benchmarks of the storage hot paths that need no disk:
//! memtable inserts of small rows and bloom-filtered negative lookups
//! (issue 3 targets: >= 1M inserts/s, >= 5M negative lookups/s per shard).

use std::hint::black_box;
use std::rc::Rc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sibyl_storage::commitlog::ReplayPosition;
use sibyl_storage::memtable::Memtable;
use sibyl_storage::mutation::{Cell, PartitionUpdate, Row};
use sibyl_storage::schema::{ClusteringComparator, ClusteringOrder, ValueType};
use sibyl_storage::sstable::bloom::BloomFilter;

fn memtable_inserts(c: &mut Criterion) {
    let cmp = Rc::new(ClusteringComparator {
        components: vec![(ValueType::Int, ClusteringOrder::Asc)],
    });
    const N: u64 = 10_000;
    let updates: Vec<PartitionUpdate> = (0..N)
        .map(|i| {
            PartitionUpdate::new(
                i.to_be_bytes().to_vec(),
                (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) as i64,
            )
            .with_row(
                vec![(i as i32 % 16).to_be_bytes().to_vec()],
                Row::default().with_cell(1, Cell::live(1, vec![7; 32])),
            )
        })
        .collect();
    let mut g = c.benchmark_group("memtable");
    g.throughput(Throughput::Elements(N));
    g.bench_function("insert 10k small rows", |b| {
        b.iter(|| {
            let mut m = Memtable::new(Rc::clone(&cmp));
            for u in &updates {
                m.apply(u, ReplayPosition::NONE);
            }
            black_box(m.size_bytes())
        })
    });
    g.finish();
}

fn bloom_negative(c: &mut Criterion) {
    let mut f = BloomFilter::new(1_000_000, 0.01);
    for i in 0..1_000_000u64 {
        f.insert(&i.to_be_bytes());
    }
    const N: u64 = 10_000;
    let misses: Vec<[u8; 8]> = (0..N).map(|i| (i + 10_000_000).to_be_bytes()).collect();
    let mut g = c.benchmark_group("bloom");
    g.throughput(Throughput::Elements(N));
    g.bench_function("negative lookups 10k (1M keys, fp 0.01)", |b| {
        b.iter(|| {
            misses
                .iter()
                .filter(|k| f.may_contain(k.as_slice()))
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, memtable_inserts, bloom_negative);
criterion_main!(benches);
