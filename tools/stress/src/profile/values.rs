//! Typed value generation for profile columns, and the two kinds of user
//! operation: `insert` (one row, or a batch over partitions and rows) and a
//! named query with its `?` bound from the generated rows.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use scylla::client::session::Session;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::prepared::PreparedStatement;
use scylla::value::{Counter, CqlDate, CqlTimestamp, CqlTimeuuid, CqlValue};

use super::Profile;
use crate::generate::{DistSpec, SplitMix64, mix64};
use crate::run::ops::{OpCounts, OpError, WorkerState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Ascii,
    Blob,
    Int,
    BigInt,
    SmallInt,
    TinyInt,
    Float,
    Double,
    Boolean,
    Timestamp,
    Date,
    Uuid,
    Timeuuid,
    Inet,
    Counter,
}

/// How one column's values are made.
#[derive(Debug, Clone)]
pub struct ColumnGen {
    pub name: String,
    pub value_type: ValueType,
    pub size: DistSpec,
    pub population: Option<DistSpec>,
    pub cluster: DistSpec,
    pub partition_key: bool,
    pub clustering: bool,
    name_hash: u64,
}

/// 2024-01-01T00:00:00Z: generated timestamps fall after it.
const EPOCH_MS: i64 = 1_704_067_200_000;

impl ColumnGen {
    pub fn new(
        name: &str,
        type_text: &str,
        size: DistSpec,
        population: Option<DistSpec>,
        cluster: DistSpec,
        partition_key: bool,
        clustering: bool,
    ) -> Result<Self, String> {
        let value_type = match type_text.to_ascii_lowercase().as_str() {
            "text" | "varchar" => ValueType::Text,
            "ascii" => ValueType::Ascii,
            "blob" => ValueType::Blob,
            "int" => ValueType::Int,
            "bigint" => ValueType::BigInt,
            "smallint" => ValueType::SmallInt,
            "tinyint" => ValueType::TinyInt,
            "float" => ValueType::Float,
            "double" => ValueType::Double,
            "boolean" => ValueType::Boolean,
            "timestamp" => ValueType::Timestamp,
            "date" => ValueType::Date,
            "uuid" => ValueType::Uuid,
            "timeuuid" => ValueType::Timeuuid,
            "inet" => ValueType::Inet,
            "counter" => ValueType::Counter,
            other => {
                return Err(format!(
                    "column {name}: type {other} is not supported by sibyl-stress profiles"
                ));
            }
        };
        let name_hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Ok(Self {
            name: name.to_owned(),
            value_type,
            size,
            population,
            cluster,
            partition_key,
            clustering,
            name_hash,
        })
    }

    /// The seed of this column's value in row `row` of partition `partition`.
    pub fn value_seed(&self, partition: u64, row: u64) -> u64 {
        let base = if self.partition_key {
            partition
        } else {
            mix64(partition ^ mix64(row + 1))
        };
        let mixed = mix64(base ^ self.name_hash);
        match &self.population {
            Some(dist) => {
                let width = (dist.max() - dist.min()).max(0) as u64 + 1;
                dist.min() as u64 + mixed % width
            }
            None if self.partition_key => partition,
            None => mixed,
        }
    }

    pub fn value(&self, seed: u64) -> CqlValue {
        let mut rng = SplitMix64::new(mix64(seed ^ self.name_hash));
        let r = rng.next_u64();
        let text = |rng: &mut SplitMix64| {
            let len = self.size.sample(rng).max(0) as usize;
            const ALPHABET: &[u8] =
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            (0..len)
                .map(|_| ALPHABET[(rng.next_u64() % ALPHABET.len() as u64) as usize] as char)
                .collect::<String>()
        };
        match self.value_type {
            ValueType::Text => CqlValue::Text(text(&mut rng)),
            ValueType::Ascii => CqlValue::Ascii(text(&mut rng)),
            ValueType::Blob => {
                let mut bytes = vec![0u8; self.size.sample(&mut rng).max(0) as usize];
                rng.fill(&mut bytes);
                CqlValue::Blob(bytes)
            }
            ValueType::Int => CqlValue::Int(seed as i32),
            ValueType::BigInt => CqlValue::BigInt(seed as i64),
            ValueType::SmallInt => CqlValue::SmallInt(seed as i16),
            ValueType::TinyInt => CqlValue::TinyInt(seed as i8),
            ValueType::Float => CqlValue::Float(rng.next_f64() as f32 * 100.0),
            ValueType::Double => CqlValue::Double(rng.next_f64() * 100.0),
            ValueType::Boolean => CqlValue::Boolean(r & 1 == 1),
            ValueType::Timestamp => {
                CqlValue::Timestamp(CqlTimestamp(EPOCH_MS + (seed % (86_400_000 * 365)) as i64))
            }
            ValueType::Date => {
                CqlValue::Date(CqlDate((1u32 << 31) + 19_723 + (seed % 3650) as u32))
            }
            ValueType::Uuid | ValueType::Timeuuid => {
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&r.to_be_bytes());
                bytes[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
                bytes[8] = (bytes[8] & 0x3f) | 0x80;
                if self.value_type == ValueType::Uuid {
                    bytes[6] = (bytes[6] & 0x0f) | 0x40;
                    CqlValue::Uuid(uuid::Uuid::from_bytes(bytes))
                } else {
                    bytes[6] = (bytes[6] & 0x0f) | 0x10;
                    CqlValue::Timeuuid(CqlTimeuuid::from_bytes(bytes))
                }
            }
            ValueType::Inet => CqlValue::Inet(IpAddr::V4(Ipv4Addr::from(seed as u32))),
            ValueType::Counter => CqlValue::Counter(Counter(1)),
        }
    }
}

/// Rows in partition `seed`: the product of the clustering columns' `cluster`.
pub fn rows_in_partition(profile: &Profile, seed: u64) -> u64 {
    let mut rng = SplitMix64::new(mix64(seed ^ 0xc1u64));
    profile
        .columns
        .iter()
        .filter(|c| c.clustering)
        .map(|c| c.cluster.sample(&mut rng).max(1) as u64)
        .product::<u64>()
        .max(1)
}

impl std::fmt::Debug for UserOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UserOperation::Insert { .. } => "Insert",
            UserOperation::Query { .. } => "Query",
        })
    }
}

pub enum UserOperation {
    Insert {
        statement: PreparedStatement,
        /// Profile column index of each bound value.
        columns: Vec<usize>,
        profile: Arc<Profile>,
    },
    Query {
        statement: PreparedStatement,
        binds: Vec<usize>,
        multirow: bool,
        profile: Arc<Profile>,
    },
}

impl UserOperation {
    fn row_values(profile: &Profile, columns: &[usize], partition: u64, row: u64) -> Vec<CqlValue> {
        columns
            .iter()
            .filter_map(|&i| profile.columns.get(i))
            .map(|c| c.value(c.value_seed(partition, row)))
            .collect()
    }

    pub async fn execute(
        &self,
        session: &Session,
        state: &mut WorkerState,
        seed: u64,
    ) -> Result<OpCounts, OpError> {
        match self {
            UserOperation::Insert {
                statement,
                columns,
                profile,
            } => {
                let partitions = profile.partitions.sample(&mut state.rng).max(1) as u64;
                let mut rows: Vec<Vec<CqlValue>> = Vec::new();
                for p in 0..partitions {
                    let partition = seed.wrapping_add(p);
                    let total = rows_in_partition(profile, partition);
                    let selected =
                        ((total as f64 * profile.select_fraction).ceil() as u64).clamp(1, total);
                    for row in 0..selected {
                        rows.push(Self::row_values(profile, columns, partition, row));
                    }
                }
                let count = rows.len() as u64;
                if let [single] = rows.as_slice() {
                    session
                        .execute_unpaged(statement, single)
                        .await
                        .map_err(OpError::Execution)?;
                } else {
                    let kind = if profile.batch_logged {
                        BatchType::Logged
                    } else {
                        BatchType::Unlogged
                    };
                    let mut batch = Batch::new(kind);
                    for _ in 0..rows.len() {
                        batch.append_statement(statement.clone());
                    }
                    session
                        .batch(&batch, rows)
                        .await
                        .map_err(OpError::Execution)?;
                }
                Ok((partitions, count))
            }
            UserOperation::Query {
                statement,
                binds,
                multirow,
                profile,
            } => {
                let row = if *multirow {
                    state.rng.next_u64() % rows_in_partition(profile, seed)
                } else {
                    0
                };
                let values = Self::row_values(profile, binds, seed, row);
                let result = session
                    .execute_unpaged(statement, values)
                    .await
                    .map_err(OpError::Execution)?;
                let rows = result.into_rows_result().map_or(0, |r| r.rows_num() as u64);
                Ok((1, rows))
            }
        }
    }
}
