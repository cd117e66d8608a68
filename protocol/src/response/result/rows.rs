//! ROWS (spec §4.2.5.2): `<metadata><rows_count [int]><rows_content>`, where
//! the content is rows_count × columns_count `[bytes]` cells.
//!
//! The server hands over the content already encoded, so building a result
//! costs one buffer; [`Rows::cells`] reads it back for clients and tests.

use super::metadata::{RowsMetadata, read_count};
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rows {
    pub metadata: RowsMetadata,
    pub rows_count: usize,
    /// `rows_count * metadata.columns_count` cells, each a `[bytes]`.
    pub content: Vec<u8>,
}

impl Rows {
    pub fn encode(&self, _version: Version, out: &mut Vec<u8>) {
        self.metadata.encode(out);
        wire::write_int(out, i32::try_from(self.rows_count).unwrap_or(i32::MAX));
        out.extend_from_slice(&self.content);
    }

    pub fn decode(_version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let metadata = RowsMetadata::decode(buf)?;
        let rows_count = read_count(buf)?;
        let start = *buf;
        let cells = rows_count
            .checked_mul(metadata.columns_count)
            .ok_or_else(|| DecodeError::Malformed("rows_count × columns_count overflows".into()))?;
        for _ in 0..cells {
            wire::read_bytes(buf)?;
        }
        let content = start
            .get(..start.len() - buf.len())
            .unwrap_or_default()
            .to_vec();
        Ok(Self {
            metadata,
            rows_count,
            content,
        })
    }

    /// The cells row by row (null cells are `None`).
    pub fn cells(&self) -> Result<Vec<Vec<Option<&[u8]>>>, DecodeError> {
        let mut buf = self.content.as_slice();
        let mut rows = Vec::with_capacity(self.rows_count.min(buf.len() / 4 + 1));
        for _ in 0..self.rows_count {
            let mut row = Vec::with_capacity(self.metadata.columns_count);
            for _ in 0..self.metadata.columns_count {
                row.push(wire::read_bytes(&mut buf)?);
            }
            rows.push(row);
        }
        Ok(rows)
    }
}
