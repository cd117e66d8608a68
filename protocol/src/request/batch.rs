//! BATCH (spec §4.1.7):
//!
//! ```text
//! <type [byte]><n [short]><query_1>...<query_n><consistency [short]><flags>
//!   [<serial_consistency [short]>][<timestamp [long]>]
//!   [<keyspace [string]>][<now_in_seconds [int]>]          (the last two v5 only)
//! <query_i> = <kind [byte]><string_or_id><n [short]><value_1>...<value_n>
//! ```
//! kind 0: `[long string]` query text; kind 1: `[short bytes]` prepared id.
//! Like Cassandra, named values in a batch are refused: the flag that would
//! announce them comes after the values.

use super::query::{BoundValues, QueryFlags};
use crate::consistency::Consistency;
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchType {
    Logged = 0,
    Unlogged = 1,
    Counter = 2,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStatement<'a> {
    Query {
        query: &'a str,
        values: BoundValues<'a>,
    },
    Prepared {
        id: &'a [u8],
        values: BoundValues<'a>,
    },
}

impl<'a> BatchStatement<'a> {
    pub fn values(&self) -> &BoundValues<'a> {
        match self {
            Self::Query { values, .. } | Self::Prepared { values, .. } => values,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<'a> {
    pub batch_type: BatchType,
    pub statements: Vec<BatchStatement<'a>>,
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    pub timestamp: Option<i64>,
    pub keyspace: Option<&'a str>,
    pub now_in_seconds: Option<i32>,
}

impl<'a> Batch<'a> {
    pub fn decode(version: Version, buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        let batch_type = match wire::read_u8(buf)? {
            0 => BatchType::Logged,
            1 => BatchType::Unlogged,
            2 => BatchType::Counter,
            other => {
                return Err(DecodeError::Malformed(format!(
                    "invalid BATCH type {other}"
                )));
            }
        };
        let n = wire::read_short(buf)? as usize;
        let mut statements = Vec::with_capacity(n.min(buf.len() / 3));
        for _ in 0..n {
            let statement = match wire::read_u8(buf)? {
                0 => {
                    let query = wire::read_long_string(buf)?;
                    BatchStatement::Query {
                        query,
                        values: BoundValues::decode(buf, false)?,
                    }
                }
                1 => {
                    let id = wire::read_short_bytes(buf)?;
                    BatchStatement::Prepared {
                        id,
                        values: BoundValues::decode(buf, false)?,
                    }
                }
                other => {
                    return Err(DecodeError::Malformed(format!(
                        "invalid query kind in BATCH message: {other}"
                    )));
                }
            };
            statements.push(statement);
        }
        let consistency = Consistency::read(buf)?;
        let flags = QueryFlags::read(version, buf)?;
        if flags.has(QueryFlags::NAMES_FOR_VALUES) {
            return Err(DecodeError::Malformed(
                "Alternative syntax for batch values with names is not supported".into(),
            ));
        }
        let serial_consistency = if flags.has(QueryFlags::SERIAL_CONSISTENCY) {
            Some(Consistency::read(buf)?)
        } else {
            None
        };
        let timestamp = if flags.has(QueryFlags::DEFAULT_TIMESTAMP) {
            Some(wire::read_long(buf)?)
        } else {
            None
        };
        let (mut keyspace, mut now_in_seconds) = (None, None);
        if version >= Version::V5 {
            if flags.has(QueryFlags::KEYSPACE) {
                keyspace = Some(wire::read_string(buf)?);
            }
            if flags.has(QueryFlags::NOW_IN_SECONDS) {
                now_in_seconds = Some(wire::read_int(buf)?);
            }
        }
        Ok(Self {
            batch_type,
            statements,
            consistency,
            serial_consistency,
            timestamp,
            keyspace,
            now_in_seconds,
        })
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_u8(out, self.batch_type as u8);
        let n = u16::try_from(self.statements.len())
            .unwrap_or_else(|_| panic!("batch of over 65535 statements"));
        wire::write_short(out, n);
        for statement in &self.statements {
            match statement {
                BatchStatement::Query { query, values } => {
                    wire::write_u8(out, 0);
                    wire::write_long_string(out, query);
                    values.encode(out);
                }
                BatchStatement::Prepared { id, values } => {
                    wire::write_u8(out, 1);
                    wire::write_short_bytes(out, id);
                    values.encode(out);
                }
            }
        }
        self.consistency.write(out);
        let mut flags = 0;
        if self.serial_consistency.is_some() {
            flags |= QueryFlags::SERIAL_CONSISTENCY;
        }
        if self.timestamp.is_some() {
            flags |= QueryFlags::DEFAULT_TIMESTAMP;
        }
        if version >= Version::V5 {
            if self.keyspace.is_some() {
                flags |= QueryFlags::KEYSPACE;
            }
            if self.now_in_seconds.is_some() {
                flags |= QueryFlags::NOW_IN_SECONDS;
            }
        }
        QueryFlags(flags).write(version, out);
        if let Some(cl) = self.serial_consistency {
            cl.write(out);
        }
        if let Some(ts) = self.timestamp {
            wire::write_long(out, ts);
        }
        if version >= Version::V5 {
            if let Some(ks) = self.keyspace {
                wire::write_string(out, ks);
            }
            if let Some(now) = self.now_in_seconds {
                wire::write_int(out, now);
            }
        }
    }
}
