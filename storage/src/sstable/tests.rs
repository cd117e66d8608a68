//! Round-trip and corruption tests of every SSTable component, on both disks.

use std::path::Path;
use std::rc::Rc;

use super::writer::WriteOptions;
use super::*;
use crate::io::Disk;
use crate::io::dma::DmaDisk;
use crate::io::sim::SimDisk;
use crate::mutation::{Cell, DeletionTime, PartitionUpdate, Row};
use crate::query::TokenRange;
use crate::testing::run;

fn partitions(n: u32) -> Vec<PartitionUpdate> {
    let mut out: Vec<PartitionUpdate> = (0..n)
        .map(|i| {
            let token = i64::from(i.wrapping_mul(2_654_435_761)) - (1 << 31);
            let mut p = PartitionUpdate::new(format!("key{i}").into_bytes(), token);
            for ck in 0..(i % 5) {
                p.rows.push((
                    vec![ck.to_be_bytes().to_vec()],
                    Row::default().with_cell(1, Cell::live(i64::from(i), vec![b'x'; 40])),
                ));
            }
            if i % 7 == 0 {
                p.deletion = DeletionTime::new(5, 100);
            }
            p
        })
        .collect();
    out.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
    out
}

fn options(generation: u64, n: usize) -> WriteOptions {
    WriteOptions {
        generation,
        bloom_filter_fp_chance: 0.01,
        expected_partitions: n,
        commitlog_upper_bound: crate::commitlog::ReplayPosition {
            segment_id: 3,
            offset: 99,
        },
        level: 0,
        header: SerializationHeader::default(),
        chunk_bytes: writer::CHUNK_BYTES,
    }
}

async fn round_trip(disk: Rc<dyn Disk>, dir: &Path) {
    disk.create_dir_all(dir).unwrap();
    let parts = partitions(3000);
    let stats = write_sstable(disk.as_ref(), dir, &options(1, parts.len()), parts.clone())
        .await
        .unwrap();
    assert_eq!(stats.partitions, 3000);
    let sst = SSTable::open(disk.as_ref(), dir, 1).await.unwrap();
    assert_eq!(sst.stats, stats);
    assert_eq!(sst.stats.commitlog_upper_bound.offset, 99);
    for p in parts.iter().step_by(7) {
        assert_eq!(sst.get(p.token, &p.key).await.unwrap().as_ref(), Some(p));
    }
    assert_eq!(sst.get(parts[0].token, b"missing").await.unwrap(), None);
    let range = TokenRange {
        start: -1_000_000_000,
        start_inclusive: false,
        end: 1_000_000_000,
        end_inclusive: true,
    };
    let entries = sst.entries_in(range).await.unwrap();
    let expected: Vec<_> = parts
        .iter()
        .filter(|p| range.contains(p.token))
        .map(|p| p.key.clone())
        .collect();
    assert_eq!(
        entries.iter().map(|e| e.key.clone()).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(sst.verify().await.unwrap(), 3000);
}

#[test]
fn round_trip_on_dma_disk() {
    let tmp = crate::testing::temp_dir();
    let dir = tmp.path().join("t");
    run(move || async move { round_trip(Rc::new(DmaDisk::new()), &dir).await });
}

#[test]
fn round_trip_on_sim_disk() {
    run(|| async { round_trip(Rc::new(SimDisk::new(1)), Path::new("/t")).await });
}

#[test]
fn flipped_byte_in_any_component_is_detected() {
    for component in [
        Component::Data,
        Component::Index,
        Component::Summary,
        Component::Filter,
        Component::Statistics,
        Component::Header,
        Component::Toc,
    ] {
        run(move || async move {
            let disk = SimDisk::new(2);
            let dir = Path::new("/t");
            let parts = partitions(500);
            write_sstable(&disk, dir, &options(4, parts.len()), parts.clone())
                .await
                .unwrap();
            let path = component_path(dir, 4, component);
            // The default header body is tiny: flip a byte inside it.
            let pos = if component == Component::Header {
                13
            } else {
                40
            };
            assert!(disk.corrupt_byte(&path, pos), "{component:?}");
            let result = async {
                let sst = SSTable::open(&disk, dir, 4).await?;
                sst.verify().await
            }
            .await;
            assert!(
                matches!(result, Err(crate::StorageError::ChecksumMismatch { .. })),
                "{component:?}: {result:?}"
            );
        });
    }
}

#[test]
fn missing_toc_means_not_an_sstable() {
    run(|| async {
        let disk = SimDisk::new(3);
        let dir = Path::new("/t");
        write_sstable(&disk, dir, &options(5, 10), partitions(10))
            .await
            .unwrap();
        disk.remove(&component_path(dir, 5, Component::Toc))
            .await
            .unwrap();
        assert!(SSTable::open(&disk, dir, 5).await.is_err());
    });
}

#[test]
fn clustering_bounds_let_reads_skip_sstables() {
    use crate::mutation::{Bound, ClusteringSlice};
    use crate::schema::{ClusteringComparator, ClusteringOrder, ValueType};
    let c = |i: i32| vec![i.to_be_bytes().to_vec()];
    for order in [ClusteringOrder::Asc, ClusteringOrder::Desc] {
        let cmp = ClusteringComparator {
            components: vec![(ValueType::Int, order)],
        };
        let mut stats = Statistics::default();
        let row = || Row::default().with_cell(1, Cell::live(1, vec![1]));
        let p = PartitionUpdate::new(b"k".to_vec(), 1)
            .with_row(c(5), row())
            .with_row(c(9), row());
        stats.add_partition(&cmp, &p, 10);
        let mut bytes = Vec::new();
        stats.encode(&mut bytes);
        assert_eq!(Statistics::decode(&bytes).unwrap(), stats);
        let from = |b: Bound| ClusteringSlice {
            start: b,
            end: Bound::UNBOUNDED,
        };
        let to = |b: Bound| ClusteringSlice {
            start: Bound::UNBOUNDED,
            end: b,
        };
        assert!(stats.may_intersect(&cmp, &[ClusteringSlice::exact(c(5))]));
        assert!(stats.may_intersect(&cmp, &[ClusteringSlice::exact(c(7))]));
        assert!(stats.may_intersect(&cmp, &[]));
        assert!(!stats.may_intersect(&cmp, &[ClusteringSlice::exact(c(4))]));
        assert!(!stats.may_intersect(&cmp, &[ClusteringSlice::exact(c(10))]));
        // "After the largest" depends on the order: 9 is largest ASC, 5 DESC.
        let (largest, smallest) = match order {
            ClusteringOrder::Asc => (9, 5),
            ClusteringOrder::Desc => (5, 9),
        };
        assert!(!stats.may_intersect(&cmp, &[from(Bound::exclusive(c(largest)))]));
        assert!(stats.may_intersect(&cmp, &[from(Bound::inclusive(c(largest)))]));
        assert!(!stats.may_intersect(&cmp, &[to(Bound::exclusive(c(smallest)))]));
        assert!(stats.may_intersect(&cmp, &[to(Bound::inclusive(c(smallest)))]));
    }
}

/// Partitions with incompressible values, so chunks stay near `chunk_bytes`.
fn random_partitions(n: u32) -> Vec<PartitionUpdate> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut out: Vec<PartitionUpdate> = (0..n)
        .map(|i| {
            let token = i64::from(i.wrapping_mul(2_654_435_761)) - (1 << 31);
            let value: Vec<u8> = (0..150)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            PartitionUpdate::new(format!("key{i}").into_bytes(), token).with_row(
                vec![vec![1]],
                Row::default().with_cell(1, Cell::live(1, value)),
            )
        })
        .collect();
    out.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
    out
}

#[test]
fn small_chunks_never_straddle_a_page_and_every_reader_skips_the_padding() {
    run(|| async {
        let disk = SimDisk::new(9);
        let dir = Path::new("/t");
        let parts = random_partitions(4000);
        for (generation, chunk_bytes) in [(7, 3 << 10), (8, 1500), (9, 16 << 10)] {
            let mut o = options(generation, parts.len());
            o.chunk_bytes = chunk_bytes;
            write_sstable(&disk, dir, &o, parts.clone()).await.unwrap();
            let sst = Rc::new(SSTable::open(&disk, dir, generation).await.unwrap());
            let data = crate::io::read_all(sst.data.as_ref()).await.unwrap();
            let mut padded = 0;
            for w in sst.chunk_offsets.windows(2) {
                let head = &data[w[0] as usize..w[0] as usize + 4];
                let framed = 12 + u64::from(u32::from_le_bytes(head.try_into().unwrap()));
                if framed <= 4096 {
                    assert!(w[0] % 4096 + framed <= 4096, "chunk at {} straddles", w[0]);
                }
                padded += (w[1] - w[0] > framed) as usize;
            }
            if chunk_bytes < 4096 {
                assert!(padded > 0, "{chunk_bytes}: no chunk needed padding?");
            }
            for p in parts.iter().step_by(13) {
                assert_eq!(sst.get(p.token, &p.key).await.unwrap().as_ref(), Some(p));
            }
            let mut scan = scanner::Scanner::new(Rc::clone(&sst));
            let mut scanned = Vec::new();
            while let Some(p) = scan.next().await.unwrap() {
                scanned.push(p);
            }
            assert_eq!(scanned, parts);
            assert_eq!(sst.verify().await.unwrap(), parts.len() as u64);
        }
    });
}
