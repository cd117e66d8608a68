//! One operation of each kind, executed with worker-owned buffers: keys and
//! values are generated into reused vectors and serialized straight from
//! them ([`BlobRow`]), so the hot path allocates nothing of its own.

use scylla::client::session::Session;
use scylla::errors::ExecutionError;
use scylla::serialize::SerializationError;
use scylla::serialize::row::{RowSerializationContext, SerializeRow};
use scylla::serialize::writers::RowWriter;
use scylla::statement::prepared::PreparedStatement;
use scylla::value::{CqlValue, Row};

use crate::generate::{KEY_LEN, RowGenerator, SplitMix64, key_of_seed};
use crate::profile::UserOperation;
use crate::stats::ErrorKind;

/// Per-worker scratch space, reused across operations.
#[derive(Debug)]
pub struct WorkerState {
    pub rng: SplitMix64,
    pub key: [u8; KEY_LEN],
    pub values: Vec<u8>,
    pub ends: Vec<usize>,
    pub scratch: Vec<u8>,
}

impl WorkerState {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            key: [0; KEY_LEN],
            values: Vec::with_capacity(256),
            ends: Vec::with_capacity(8),
            scratch: Vec::with_capacity(64),
        }
    }
}

/// Why an operation failed.
#[derive(Debug)]
pub enum OpError {
    Execution(ExecutionError),
    Mismatch(String),
}

impl OpError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            OpError::Execution(e) => ErrorKind::classify(e),
            OpError::Mismatch(_) => ErrorKind::Mismatch,
        }
    }
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::Execution(e) => write!(f, "{e}"),
            OpError::Mismatch(m) => f.write_str(m),
        }
    }
}

/// Partitions and rows an operation touched.
pub type OpCounts = (u64, u64);

pub enum Operation {
    Write(PreparedStatement),
    Read {
        statement: PreparedStatement,
        verify: bool,
    },
    CounterWrite(PreparedStatement),
    CounterRead(PreparedStatement),
    User(UserOperation),
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Write(_) => "Write",
            Operation::Read { .. } => "Read",
            Operation::CounterWrite(_) => "CounterWrite",
            Operation::CounterRead(_) => "CounterRead",
            Operation::User(_) => "User",
        })
    }
}

fn cell(writer: &mut RowWriter, bytes: &[u8]) -> Result<(), SerializationError> {
    writer
        .make_cell_writer()
        .set_value(bytes)
        .map(|_| ())
        .map_err(SerializationError::new)
}

/// The key and the generated columns, serialized without copies into new
/// allocations: key first (INSERT), then the row's columns, then "unset"
/// (protocol v4) for the table's columns the row does not hold, so they are
/// not written at all (no tombstone) and read back as null.
struct BlobRow<'a> {
    key: &'a [u8],
    values: &'a [u8],
    ends: &'a [usize],
    /// Value columns of the prepared INSERT.
    columns: usize,
}

impl SerializeRow for BlobRow<'_> {
    fn serialize(
        &self,
        _ctx: &RowSerializationContext<'_>,
        writer: &mut RowWriter,
    ) -> Result<(), SerializationError> {
        cell(writer, self.key)?;
        let mut start = 0;
        for &end in self.ends {
            cell(writer, self.values.get(start..end).unwrap_or_default())?;
            start = end;
        }
        for _ in self.ends.len()..self.columns {
            writer.make_cell_writer().set_unset();
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        false
    }
}

struct CounterRow<'a> {
    key: &'a [u8],
    columns: usize,
}

impl SerializeRow for CounterRow<'_> {
    fn serialize(
        &self,
        _ctx: &RowSerializationContext<'_>,
        writer: &mut RowWriter,
    ) -> Result<(), SerializationError> {
        for _ in 0..self.columns {
            cell(writer, &1i64.to_be_bytes())?;
        }
        cell(writer, self.key)
    }

    fn is_empty(&self) -> bool {
        false
    }
}

impl Operation {
    pub async fn execute(
        &self,
        session: &Session,
        rows: &RowGenerator,
        column_names: &[String],
        state: &mut WorkerState,
        seed: u64,
    ) -> Result<OpCounts, OpError> {
        key_of_seed(seed, &mut state.key);
        match self {
            Operation::Write(statement) => {
                rows.fill_row(seed, &mut state.values, &mut state.ends);
                let row = BlobRow {
                    key: &state.key,
                    values: &state.values,
                    ends: &state.ends,
                    columns: rows.column_count,
                };
                session
                    .execute_unpaged(statement, row)
                    .await
                    .map_err(OpError::Execution)?;
                Ok((1, 1))
            }
            Operation::CounterWrite(statement) => {
                let row = CounterRow {
                    key: &state.key,
                    columns: column_names.len(),
                };
                session
                    .execute_unpaged(statement, row)
                    .await
                    .map_err(OpError::Execution)?;
                Ok((1, 1))
            }
            Operation::Read { statement, verify } => {
                let key: &[u8] = &state.key;
                let result = session
                    .execute_unpaged(statement, (key,))
                    .await
                    .map_err(OpError::Execution)?;
                let Ok(result) = result.into_rows_result() else {
                    return Ok((1, 0));
                };
                let count = result.rows_num() as u64;
                if *verify {
                    verify_rows(&result, rows, column_names, state, seed)?;
                }
                Ok((1, count))
            }
            Operation::CounterRead(statement) => {
                let key: &[u8] = &state.key;
                let result = session
                    .execute_unpaged(statement, (key,))
                    .await
                    .map_err(OpError::Execution)?;
                let count = result.into_rows_result().map_or(0, |r| r.rows_num() as u64);
                Ok((1, count))
            }
            Operation::User(op) => op.execute(session, state, seed).await,
        }
    }
}

/// Verification mode: the row of `seed` must exist, every column it holds
/// must hold exactly the generated bytes and the table's other columns must
/// be null.
fn verify_rows(
    result: &scylla::response::query_result::QueryRowsResult,
    rows: &RowGenerator,
    column_names: &[String],
    state: &mut WorkerState,
    seed: u64,
) -> Result<(), OpError> {
    let names: Vec<&str> = result.column_specs().iter().map(|c| c.name()).collect();
    let decoded = result
        .rows::<Row>()
        .map_err(|e| OpError::Mismatch(format!("seed {seed}: cannot decode row: {e}")))?;
    let mut found = 0;
    for row in decoded {
        let row =
            row.map_err(|e| OpError::Mismatch(format!("seed {seed}: cannot decode row: {e}")))?;
        found += 1;
        for (index, name) in column_names.iter().enumerate() {
            let position = names.iter().position(|n| n == name);
            let value = position.and_then(|p| row.columns.get(p));
            let ok = match value {
                Some(None) => rows.column_matches(seed, index, None, &mut state.scratch),
                Some(Some(CqlValue::Blob(bytes))) => {
                    rows.column_matches(seed, index, Some(bytes), &mut state.scratch)
                }
                _ => false,
            };
            if !ok {
                return Err(OpError::Mismatch(format!(
                    "seed {seed}: column {name} differs from what was written"
                )));
            }
        }
    }
    if found == 0 {
        return Err(OpError::Mismatch(format!("seed {seed}: row missing")));
    }
    Ok(())
}
