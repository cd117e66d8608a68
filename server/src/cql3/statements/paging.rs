//! The paging state handed to clients: opaque to them, it records where the
//! previous page stopped (which partition key of an IN list, the storage
//! position inside the scan) and how much of LIMIT is left.
//!
//! ## Format (version 1)
//! `[u8 version][u32 partition_index][u32 remaining][u8 has_position]`
//! then, with a position: `[i64 token][u32 len][key][u8 has_clustering]
//! [u16 n][n × (u32 len, bytes)][u32 remaining_in_partition]`, all big-endian.

use sibyl_storage::query::PagingPosition;

use crate::cql3::{CqlError, CqlResult};

const VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingState {
    pub partition_index: u32,
    pub position: Option<PagingPosition>,
    /// Rows LIMIT still allows.
    pub remaining: u32,
}

fn invalid() -> CqlError {
    CqlError::invalid("Invalid value for the paging state")
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> CqlResult<&[u8]> {
        let (head, tail) = self.0.split_at_checked(n).ok_or_else(invalid)?;
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> CqlResult<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }
    fn u16(&mut self) -> CqlResult<u16> {
        Ok(u16::from_be_bytes(
            self.take(2)?.try_into().map_err(|_| invalid())?,
        ))
    }
    fn u32(&mut self) -> CqlResult<u32> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().map_err(|_| invalid())?,
        ))
    }
    fn i64(&mut self) -> CqlResult<i64> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().map_err(|_| invalid())?,
        ))
    }
    fn bytes(&mut self) -> CqlResult<Vec<u8>> {
        let len = self.u32()? as usize;
        Ok(self.take(len)?.to_vec())
    }
}

impl PagingState {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&self.partition_index.to_be_bytes());
        out.extend_from_slice(&self.remaining.to_be_bytes());
        match &self.position {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&p.token.to_be_bytes());
                out.extend_from_slice(&(p.key.len() as u32).to_be_bytes());
                out.extend_from_slice(&p.key);
                match &p.last_clustering {
                    None => out.push(0),
                    Some(clustering) => {
                        out.push(1);
                        out.extend_from_slice(&(clustering.len() as u16).to_be_bytes());
                        for component in clustering {
                            out.extend_from_slice(&(component.len() as u32).to_be_bytes());
                            out.extend_from_slice(component);
                        }
                    }
                }
                out.extend_from_slice(&p.remaining_in_partition.to_be_bytes());
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> CqlResult<Self> {
        let mut r = Reader(bytes);
        if r.u8()? != VERSION {
            return Err(invalid());
        }
        let partition_index = r.u32()?;
        let remaining = r.u32()?;
        let position = if r.u8()? == 1 {
            let token = r.i64()?;
            let key = r.bytes()?;
            let last_clustering = if r.u8()? == 1 {
                let n = r.u16()?;
                Some((0..n).map(|_| r.bytes()).collect::<CqlResult<Vec<_>>>()?)
            } else {
                None
            };
            Some(PagingPosition {
                token,
                key,
                last_clustering,
                remaining_in_partition: r.u32()?,
            })
        } else {
            None
        };
        if !r.0.is_empty() {
            return Err(invalid());
        }
        Ok(Self {
            partition_index,
            position,
            remaining,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_state_round_trips_and_rejects_garbage() {
        let state = PagingState {
            partition_index: 3,
            position: Some(PagingPosition {
                token: -42,
                key: b"key".to_vec(),
                last_clustering: Some(vec![vec![1, 2], vec![]]),
                remaining_in_partition: 7,
            }),
            remaining: 99,
        };
        assert_eq!(PagingState::decode(&state.encode()).expect("valid"), state);
        let bare = PagingState {
            partition_index: 0,
            position: None,
            remaining: u32::MAX,
        };
        assert_eq!(PagingState::decode(&bare.encode()).expect("valid"), bare);
        let encoded = state.encode();
        for cut in 0..encoded.len() {
            assert!(PagingState::decode(&encoded[..cut]).is_err());
        }
        assert!(PagingState::decode(b"garbage").is_err());
    }
}
