//! Sliced reads of one partition. A large partition with a row index (format
//! v3) is read as its header (deletion, static row, range tombstones) plus
//! only the row blocks that the clustering slices meet, so a slice of a wide
//! partition costs the chunks under those blocks, not the whole partition.
//! The result may hold rows outside the slices (whole blocks); the read path
//! filters them. Row indexes are cached in the shard's block cache.

use std::rc::Rc;

use super::reader::{IndexEntry, SSTable};
use super::row_index::RowIndex;
use crate::cache::{BlockKind, CachedBlock};
use crate::error::{Result, StorageError};
use crate::io::read_exact_at;
use crate::mutation::codec::{decode_clustering, decode_partition, decode_row, put_uv};
use crate::mutation::{ClusteringSlice, PartitionUpdate};
use crate::schema::ClusteringComparator;

/// Largest row index any version writes (checked before allocating).
const MAX_ROW_INDEX_BYTES: u64 = 64 << 20;

impl SSTable {
    /// Looks one partition up and returns at least its rows in `slices`
    /// (all rows when `slices` is empty or the partition has no row index).
    pub async fn get_slices(
        &self,
        token: i64,
        key: &[u8],
        cmp: &ClusteringComparator,
        slices: &[ClusteringSlice],
    ) -> Result<Option<PartitionUpdate>> {
        let Some(entry) = self.find(token, key).await? else {
            return Ok(None);
        };
        let Some(location) = entry.row_index.filter(|_| !slices.is_empty()) else {
            return self.read_partition(&entry).await.map(Some);
        };
        let rows = self.row_index(&entry, location).await?;
        let header = self.read_stream(entry.offset, rows.header_len).await?;
        let mut head = Vec::with_capacity(header.bytes().len() + 1);
        head.extend_from_slice(header.bytes());
        put_uv(&mut head, 0);
        let mut partition = decode_partition(&mut head.as_slice())?;
        if partition.key != key || partition.token != token {
            return Err(StorageError::corrupt(
                "sstable row index",
                "header does not belong to the indexed partition",
            ));
        }
        for (first, last) in rows.select(cmp, slices) {
            let (Some(a), Some(b)) = (rows.blocks.get(first), rows.blocks.get(last)) else {
                continue;
            };
            let start = a.offset;
            let end = b.offset + b.width;
            let bytes = self.read_stream(entry.offset + start, end - start).await?;
            let mut input = bytes.bytes();
            while !input.is_empty() {
                let clustering = decode_clustering(&mut input)?;
                let row = decode_row(&mut input)?;
                partition.rows.push((clustering, row));
            }
        }
        Ok(Some(partition))
    }

    /// The row index at `(offset, len)` in `Index.db`, cached.
    pub(super) async fn row_index(
        &self,
        entry: &IndexEntry,
        (offset, len): (u64, u64),
    ) -> Result<Rc<RowIndex>> {
        let key = self.cache_key(BlockKind::RowIndex, offset);
        if let Some(rows) = self.cache.get_row_index(&key) {
            return Ok(rows);
        }
        if len > MAX_ROW_INDEX_BYTES {
            return Err(StorageError::corrupt(
                "sstable row index",
                format!("row index claims {len} bytes"),
            ));
        }
        let raw = read_exact_at(
            self.index.as_ref(),
            offset,
            len as usize,
            "sstable row index",
        )
        .await?;
        let rows = Rc::new(RowIndex::decode(&raw, entry.len)?);
        self.cache
            .insert(key, CachedBlock::RowIndex(Rc::clone(&rows)));
        Ok(rows)
    }
}
