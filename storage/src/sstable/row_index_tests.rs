//! Row index tests: a wide partition gets a row index that round-trips, a
//! sliced read decodes only the blocks it needs (fewer bytes read), the same
//! answers come back from an SSTable as from the memtable for forward and
//! reversed slices on ASC and DESC tables, and corruption is detected.

use std::path::Path;
use std::rc::Rc;

use super::row_index::{ROW_INDEX_BLOCK_BYTES, RowIndex};
use super::writer::WriteOptions;
use super::*;
use crate::cache::tests::CountingDisk;
use crate::engine::{EngineConfig, ShardEngine};
use crate::mutation::codec::{put_bytes, put_sv, put_uv};
use crate::mutation::{
    Bound, Cell, ClusteringSlice, DeletionTime, Mutation, PartitionUpdate, RangeTombstone, Row,
};
use crate::query::ReadCommand;
use crate::schema::{ClusteringComparator, ClusteringOrder, TableSchema, ValueType};
use crate::testing::{crash, run};

fn ck(i: i32) -> Vec<Vec<u8>> {
    vec![i.to_be_bytes().to_vec()]
}

/// A row with 100 incompressible bytes, so chunk counts follow row counts.
fn row(i: i32) -> Row {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let value = (0..100)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    Row::default().with_cell(1, Cell::live(10, value))
}

/// A wide partition (rows 0..n ascending) with a deletion, a static row and
/// a range tombstone, so the header matters.
fn wide(n: i32) -> PartitionUpdate {
    let mut p = PartitionUpdate::new(b"wide".to_vec(), 0);
    p.deletion = DeletionTime::new(3, 100);
    p.static_row = Row::default().with_cell(9, Cell::live(11, b"static".to_vec()));
    p.range_tombstones.push(RangeTombstone {
        slice: ClusteringSlice {
            start: Bound::inclusive(ck(20)),
            end: Bound::exclusive(ck(30)),
        },
        deletion: DeletionTime::new(5, 100),
    });
    for i in 0..n {
        p.rows.push((ck(i), row(i)));
    }
    p
}

fn options(generation: u64) -> WriteOptions {
    WriteOptions {
        generation,
        bloom_filter_fp_chance: 0.01,
        expected_partitions: 3,
        commitlog_upper_bound: crate::commitlog::ReplayPosition::NONE,
        level: 0,
        header: SerializationHeader::default(),
        chunk_bytes: writer::CHUNK_BYTES,
    }
}

fn asc() -> ClusteringComparator {
    ClusteringComparator {
        components: vec![(ValueType::Int, ClusteringOrder::Asc)],
    }
}

fn range(a: i32, b: i32) -> ClusteringSlice {
    ClusteringSlice {
        start: Bound::inclusive(ck(a)),
        end: Bound::inclusive(ck(b)),
    }
}

async fn write_three(disk: &dyn crate::io::Disk, dir: &Path, generation: u64) -> PartitionUpdate {
    let small = |token: i64| {
        PartitionUpdate::new(token.to_be_bytes().to_vec(), token).with_row(ck(1), row(1))
    };
    let w = wide(6000);
    write_sstable(
        disk,
        dir,
        &options(generation),
        [small(-5), w.clone(), small(5)],
    )
    .await
    .unwrap();
    w
}

#[test]
fn wide_partition_gets_a_row_index_and_slices_read_only_its_blocks() {
    run(|| async {
        let disk = CountingDisk::new(1);
        let dir = Path::new("/t");
        let w = write_three(&disk, dir, 1).await;
        let sst = SSTable::open(&disk, dir, 1).await.unwrap();
        let entries = sst.all_entries().await.unwrap();
        let with_index: Vec<_> = entries.iter().map(|e| e.row_index.is_some()).collect();
        assert_eq!(with_index, vec![false, true, false]);
        let entry = entries.get(1).unwrap();
        let rows = sst
            .row_index(entry, entry.row_index.unwrap())
            .await
            .unwrap();
        assert!(rows.blocks.len() > 10, "{} blocks", rows.blocks.len());
        let (first, last) = (rows.blocks.first().unwrap(), rows.blocks.last().unwrap());
        assert_eq!((first.first.clone(), last.last.clone()), (ck(0), ck(5999)));
        for pair in rows.blocks.windows(2) {
            assert_eq!(pair[0].offset + pair[0].width, pair[1].offset);
            assert!(pair[0].width >= ROW_INDEX_BLOCK_BYTES);
        }

        // A whole read is unchanged.
        let before = disk.read_bytes.get();
        assert_eq!(sst.get(0, b"wide").await.unwrap(), Some(w.clone()));
        let whole_bytes = disk.read_bytes.get() - before;

        // A slice reads the header and one or two blocks.
        let before = disk.read_bytes.get();
        let got = sst
            .get_slices(0, b"wide", &asc(), &[range(1000, 1010)])
            .await
            .unwrap()
            .unwrap();
        let sliced_bytes = disk.read_bytes.get() - before;
        assert_eq!(
            (&got.deletion, &got.static_row, &got.range_tombstones),
            (&w.deletion, &w.static_row, &w.range_tombstones)
        );
        let wanted: Vec<_> = got
            .rows
            .iter()
            .filter(|(c, _)| range(1000, 1010).contains(&asc(), c))
            .cloned()
            .collect();
        assert_eq!(wanted, w.rows.get(1000..=1010).unwrap().to_vec());
        assert!(got.rows.len() < 1200, "{} rows decoded", got.rows.len());
        assert!(
            sliced_bytes * 2 < whole_bytes,
            "sliced read {sliced_bytes} bytes vs whole {whole_bytes}"
        );

        // Two far-apart slices: two runs of blocks, rows still in order.
        let got = sst
            .get_slices(0, b"wide", &asc(), &[range(5, 6), range(5990, 6100)])
            .await
            .unwrap()
            .unwrap();
        let keys: Vec<_> = got.rows.iter().map(|(c, _)| c.clone()).collect();
        assert!(keys.windows(2).all(|k| asc().compare(&k[0], &k[1]).is_lt()));
        assert!(keys.contains(&ck(5)) && keys.contains(&ck(5999)));
        assert!(!keys.contains(&ck(1500)));
        // No slice meets any row: the header alone.
        let got = sst
            .get_slices(0, b"wide", &asc(), &[range(7000, 8000)])
            .await
            .unwrap()
            .unwrap();
        assert!(got.rows.is_empty());
        assert_eq!(got.static_row, w.static_row);
        // Small partitions and empty slices read whole.
        assert_eq!(
            sst.get_slices(0, b"wide", &asc(), &[]).await.unwrap(),
            Some(w)
        );
        assert_eq!(sst.verify().await.unwrap(), 3);
    });
}

#[test]
fn corrupt_row_index_is_detected() {
    run(|| async {
        let disk = CountingDisk::new(2);
        let dir = Path::new("/t");
        write_three(&disk, dir, 2).await;
        let sst = SSTable::open(&disk, dir, 2).await.unwrap();
        let entries = sst.all_entries().await.unwrap();
        let (offset, len) = entries.get(1).unwrap().row_index.unwrap();
        let path = component_path(dir, 2, Component::Index);
        assert!(disk.inner.corrupt_byte(&path, (offset + len / 2) as usize));
        let sst = SSTable::open(&disk, dir, 2).await.unwrap();
        let result = sst.get_slices(0, b"wide", &asc(), &[range(1, 2)]).await;
        assert!(
            matches!(result, Err(crate::StorageError::ChecksumMismatch { .. })),
            "{result:?}"
        );
    });
}

#[test]
fn row_index_decoder_rejects_tampered_layouts() {
    let w = wide(3000);
    let mut encoded = Vec::new();
    crate::mutation::codec::encode_partition(&w, &mut encoded);
    let len = encoded.len() as u64;
    let rows = RowIndex::build(&w, len, &mut Vec::new()).unwrap();
    let mut raw = Vec::new();
    rows.encode(&mut raw);
    assert_eq!(RowIndex::decode(&raw, len).unwrap(), rows);
    // The partition length must match where the blocks end.
    assert!(RowIndex::decode(&raw, len + 1).is_err());
    assert!(RowIndex::decode(raw.get(..raw.len() - 1).unwrap(), len).is_err());
    // Blocks that overlap, even with a valid checksum.
    let mut bad = rows.clone();
    if let Some(b) = bad.blocks.get_mut(1) {
        b.offset -= 1;
    }
    let mut raw = Vec::new();
    bad.encode(&mut raw);
    assert!(matches!(
        RowIndex::decode(&raw, len),
        Err(crate::StorageError::Corrupt { .. })
    ));
    // Small partitions get none.
    assert!(RowIndex::build(&wide(10), 2000, &mut Vec::new()).is_none());
}

#[test]
fn version_2_index_entries_and_frames_still_read() {
    let mut entries = Vec::new();
    put_bytes(&mut entries, b"k");
    put_sv(&mut entries, -7);
    put_uv(&mut entries, 0);
    put_uv(&mut entries, 42);
    let mut raw = Vec::new();
    raw.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    raw.extend_from_slice(&crc32fast::hash(&entries).to_le_bytes());
    raw.extend_from_slice(&entries);
    let decoded = reader::decode_index_block_version(&raw, 2).unwrap();
    assert_eq!(decoded.len(), 1);
    assert_eq!((decoded[0].len, decoded[0].row_index.is_none()), (42, true));
    let reframed = |version: u32| {
        let mut f = frame(Component::Statistics, b"body");
        f.truncate(f.len() - 4);
        f.splice(8..12, version.to_le_bytes());
        let crc = crc32fast::hash(&f);
        f.extend_from_slice(&crc.to_le_bytes());
        f
    };
    assert!(unframe(Component::Statistics, "s", &reframed(2)).is_ok());
    assert!(unframe(Component::Statistics, "s", &reframed(3)).is_ok());
    for bad in [1, 4] {
        assert!(matches!(
            unframe(Component::Statistics, "s", &reframed(bad)),
            Err(crate::StorageError::UnsupportedVersion { .. })
        ));
    }
}

fn schema(order: ClusteringOrder) -> TableSchema {
    let mut s = crash::schema();
    s.clustering = vec![(ValueType::Int, order)];
    s
}

/// `[a, b]` in clustering order (a <= b as ints).
fn slice(a: i32, b: i32, order: ClusteringOrder) -> ClusteringSlice {
    match order {
        ClusteringOrder::Asc => range(a, b),
        ClusteringOrder::Desc => range(b, a),
    }
}

#[test]
fn engine_slices_from_sstables_match_the_memtable_forward_and_reversed() {
    for order in [ClusteringOrder::Asc, ClusteringOrder::Desc] {
        run(move || async move {
            let disk = CountingDisk::new(3);
            let mut config = EngineConfig::new(Path::new("/w"), 0);
            config.compaction.background = false;
            config.block_cache_bytes = 0;
            let engine = ShardEngine::open(Rc::new(disk.clone()), config, vec![schema(order)])
                .await
                .unwrap();
            let key = b"wide".to_vec();
            for batch in 0..40 {
                let mut u = PartitionUpdate::new(key.clone(), 77);
                for i in batch * 100..(batch + 1) * 100 {
                    u.rows.push((ck(i), row(i)));
                }
                engine.apply(&Mutation::new(crash::TABLE, u)).await.unwrap();
            }
            let s = |a, b| slice(a, b, order);
            let open = |start: Bound, end: Bound| ClusteringSlice { start, end };
            let mut queries: Vec<Vec<ClusteringSlice>> = vec![
                vec![s(1000, 1010)],
                vec![ClusteringSlice::exact(ck(1500))],
                vec![s(100, 105), s(2500, 2502)],
                vec![s(2990, 5000)],
                vec![s(-5, 3)],
                vec![],
            ];
            if order == ClusteringOrder::Desc {
                // Slices go in clustering order: the larger values first.
                if let Some(q) = queries.get_mut(2) {
                    q.reverse();
                }
            }
            queries.push(vec![open(Bound::UNBOUNDED, Bound::exclusive(ck(7)))]);
            let mut commands = Vec::new();
            for slices in &queries {
                for reversed in [false, true] {
                    for row_limit in [u32::MAX, 3] {
                        let mut cmd =
                            ReadCommand::single_partition(crash::TABLE, key.clone(), 77, 0);
                        cmd.slices = slices.clone();
                        cmd.reversed = reversed;
                        cmd.row_limit = row_limit;
                        commands.push(cmd);
                    }
                }
            }
            let mut from_memtable = Vec::new();
            for cmd in &commands {
                from_memtable.push(engine.read(cmd).await.unwrap());
            }
            engine.flush(crash::TABLE).await.unwrap();
            for (cmd, expected) in commands.iter().zip(&from_memtable) {
                let before = disk.read_bytes.get();
                let got = engine.read(cmd).await.unwrap();
                assert_eq!(&got, expected, "{order:?} {cmd:?}");
                // The partition is ~440 KB; a narrow slice reads the header's
                // chunk and at most two chunks (64 KiB each) per slice.
                let narrow = expected
                    .partitions
                    .iter()
                    .map(|p| p.rows.len())
                    .sum::<usize>()
                    <= 11;
                if cmd.slices.is_empty() {
                    assert!(disk.read_bytes.get() - before > 400_000);
                } else if narrow && cmd.row_limit == u32::MAX {
                    assert!(
                        disk.read_bytes.get() - before < (1 + 2 * cmd.slices.len() as u64) * 70_000,
                        "{order:?} {:?}: {} bytes",
                        cmd.slices,
                        disk.read_bytes.get() - before
                    );
                }
            }
            let rows = |r: &crate::query::ReadResult| {
                r.partitions.iter().map(|p| p.rows.len()).sum::<usize>()
            };
            assert_eq!(rows(from_memtable.first().unwrap()), 11);
        });
    }
}
