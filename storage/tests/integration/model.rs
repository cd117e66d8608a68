//! A tiny reference model of one table: it remembers every write and answers a
//! read by recomputing each cell's winner from scratch with a total order that
//! restates Cassandra's reconciliation as a tuple comparison.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use sibyl_storage::mutation::{
    Bound, Cell, ClusteringSlice, ColumnData, ComplexColumn, DeletionTime, LivenessInfo, Mutation,
    NO_DELETION_TIME, PartitionUpdate, RangeTombstone, Row,
};
use sibyl_storage::schema::{
    ClusteringOrder, ColumnDef, ColumnKind, TableOptions, TableSchema, ValueType,
};

pub const TABLE: u64 = 7;
pub const REGULAR: u32 = 1;
pub const SET: u32 = 2;
pub const STATIC: u32 = 3;

pub fn schema(order: ClusteringOrder) -> TableSchema {
    TableSchema {
        id: TABLE,
        keyspace: "ks".into(),
        name: "t".into(),
        clustering: vec![(ValueType::Int, order)],
        columns: vec![
            ColumnDef {
                id: REGULAR,
                name: "v".into(),
                kind: ColumnKind::Regular,
                is_complex: false,
                is_counter: false,
            },
            ColumnDef {
                id: SET,
                name: "s".into(),
                kind: ColumnKind::Regular,
                is_complex: true,
                is_counter: false,
            },
            ColumnDef {
                id: STATIC,
                name: "st".into(),
                kind: ColumnKind::Static,
                is_complex: false,
                is_counter: false,
            },
        ],
        options: TableOptions::default(),
    }
}

pub fn ck(i: i32) -> Vec<Vec<u8>> {
    vec![i.to_be_bytes().to_vec()]
}

pub fn token_of(key: u8) -> i64 {
    // Deliberately not monotonic in the key, so ring order differs from key order.
    i64::from(key)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64)
        .rotate_left(17)
}

#[derive(Debug, Clone)]
pub enum CellKind {
    Live(u8),
    Expiring(u8, u32),
    Tombstone,
}

#[derive(Debug, Clone)]
pub enum Op {
    Cell {
        key: u8,
        ck: i32,
        ts: i64,
        now: i64,
        kind: CellKind,
    },
    Static {
        key: u8,
        ts: i64,
        now: i64,
        kind: CellKind,
    },
    Element {
        key: u8,
        ck: i32,
        path: u8,
        ts: i64,
        now: i64,
        kind: CellKind,
    },
    SetDelete {
        key: u8,
        ck: i32,
        ts: i64,
        now: i64,
    },
    Marker {
        key: u8,
        ck: i32,
        ts: i64,
        now: i64,
        ttl: Option<u32>,
    },
    RowDelete {
        key: u8,
        ck: i32,
        ts: i64,
        now: i64,
    },
    RangeDelete {
        key: u8,
        lo: i32,
        hi: i32,
        ts: i64,
        now: i64,
    },
    PartitionDelete {
        key: u8,
        ts: i64,
        now: i64,
    },
}

fn kind_strategy() -> impl Strategy<Value = CellKind> {
    prop_oneof![
        4 => (0u8..4).prop_map(CellKind::Live),
        2 => ((0u8..4), 1u32..20).prop_map(|(v, t)| CellKind::Expiring(v, t)),
        2 => Just(CellKind::Tombstone),
    ]
}

pub fn op_strategy(keys: u8) -> impl Strategy<Value = Op> {
    let key = 0..keys;
    let ck = 0i32..6;
    let ts = 1i64..8;
    let now = 100i64..120;
    prop_oneof![
        6 => (key.clone(), ck.clone(), ts.clone(), now.clone(), kind_strategy()).prop_map(|(key, ck, ts, now, kind)| Op::Cell { key, ck, ts, now, kind }),
        2 => (key.clone(), ts.clone(), now.clone(), kind_strategy()).prop_map(|(key, ts, now, kind)| Op::Static { key, ts, now, kind }),
        3 => (key.clone(), ck.clone(), 0u8..3, ts.clone(), now.clone(), kind_strategy()).prop_map(|(key, ck, path, ts, now, kind)| Op::Element { key, ck, path, ts, now, kind }),
        1 => (key.clone(), ck.clone(), ts.clone(), now.clone()).prop_map(|(key, ck, ts, now)| Op::SetDelete { key, ck, ts, now }),
        3 => (key.clone(), ck.clone(), ts.clone(), now.clone(), proptest::option::of(1u32..20)).prop_map(|(key, ck, ts, now, ttl)| Op::Marker { key, ck, ts, now, ttl }),
        1 => (key.clone(), ck.clone(), ts.clone(), now.clone()).prop_map(|(key, ck, ts, now)| Op::RowDelete { key, ck, ts, now }),
        1 => (key.clone(), ck.clone(), ck.clone(), ts.clone(), now.clone()).prop_map(|(key, lo, hi, ts, now)| Op::RangeDelete { key, lo: lo.min(hi), hi: lo.max(hi), ts, now }),
        1 => (key, ts, now).prop_map(|(key, ts, now)| Op::PartitionDelete { key, ts, now }),
    ]
}

fn make_cell(kind: &CellKind, ts: i64, now: i64) -> Cell {
    match kind {
        CellKind::Live(v) => Cell::live(ts, vec![*v]),
        CellKind::Expiring(v, ttl) => Cell::expiring(ts, *ttl, now, vec![*v]),
        CellKind::Tombstone => Cell::tombstone(ts, now),
    }
}

impl Op {
    pub fn key(&self) -> u8 {
        match self {
            Op::Cell { key, .. }
            | Op::Static { key, .. }
            | Op::Element { key, .. }
            | Op::SetDelete { key, .. }
            | Op::Marker { key, .. }
            | Op::RowDelete { key, .. }
            | Op::RangeDelete { key, .. }
            | Op::PartitionDelete { key, .. } => *key,
        }
    }

    /// Builds the mutation; range bounds follow the table's clustering order,
    /// as the server must emit them (on a DESC table `lo..=hi` is `hi` first).
    pub fn to_mutation(&self, desc: bool) -> Mutation {
        let key = self.key();
        let mut u = PartitionUpdate::new(vec![key], token_of(key));
        match self {
            Op::Cell {
                ck: c,
                ts,
                now,
                kind,
                ..
            } => {
                u.rows.push((
                    ck(*c),
                    Row::default().with_cell(REGULAR, make_cell(kind, *ts, *now)),
                ));
            }
            Op::Static { ts, now, kind, .. } => {
                u.static_row = Row::default().with_cell(STATIC, make_cell(kind, *ts, *now));
            }
            Op::Element {
                ck: c,
                path,
                ts,
                now,
                kind,
                ..
            } => {
                let mut complex = ComplexColumn::default();
                complex
                    .cells
                    .insert(vec![*path], make_cell(kind, *ts, *now));
                let mut row = Row::default();
                row.columns.insert(SET, ColumnData::Complex(complex));
                u.rows.push((ck(*c), row));
            }
            Op::SetDelete { ck: c, ts, now, .. } => {
                let complex = ComplexColumn {
                    deletion: DeletionTime::new(*ts, *now),
                    cells: BTreeMap::new(),
                };
                let mut row = Row::default();
                row.columns.insert(SET, ColumnData::Complex(complex));
                u.rows.push((ck(*c), row));
            }
            Op::Marker {
                ck: c,
                ts,
                now,
                ttl,
                ..
            } => {
                let marker = match ttl {
                    Some(t) => LivenessInfo::expiring(*ts, *t, *now),
                    None => LivenessInfo::new(*ts),
                };
                u.rows.push((ck(*c), Row::default().with_marker(marker)));
            }
            Op::RowDelete { ck: c, ts, now, .. } => {
                u.rows.push((
                    ck(*c),
                    Row {
                        deletion: DeletionTime::new(*ts, *now),
                        ..Row::default()
                    },
                ));
            }
            Op::RangeDelete {
                lo, hi, ts, now, ..
            } => {
                let (first, last) = if desc { (*hi, *lo) } else { (*lo, *hi) };
                u.range_tombstones.push(RangeTombstone {
                    slice: ClusteringSlice {
                        start: Bound::inclusive(ck(first)),
                        end: Bound::inclusive(ck(last)),
                    },
                    deletion: DeletionTime::new(*ts, *now),
                });
            }
            Op::PartitionDelete { ts, now, .. } => u.deletion = DeletionTime::new(*ts, *now),
        }
        Mutation::new(TABLE, u)
    }
}

/// Cassandra's cell reconciliation restated as a total order.
fn cell_rank(c: &Cell) -> (i64, bool, bool, i64, Vec<u8>) {
    let dead_or_expiring = c.local_deletion_time_s != NO_DELETION_TIME;
    let value = match &c.value {
        sibyl_storage::mutation::CellValue::Bytes(b) => b.clone(),
        sibyl_storage::mutation::CellValue::Counter(_) => Vec::new(),
    };
    (
        c.timestamp_us,
        dead_or_expiring,
        dead_or_expiring && !c.is_expiring(),
        c.local_deletion_time_s,
        value,
    )
}

fn marker_rank(m: &LivenessInfo) -> (i64, bool, i64) {
    (m.timestamp_us, m.is_expiring(), m.local_expiration_time_s)
}

/// What the model says a partition's live content is: static values and
/// per-clustering (marker present, regular value, set elements).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelPartition {
    pub static_value: Option<Vec<u8>>,
    pub rows: BTreeMap<i32, (Option<Vec<u8>>, BTreeSet<Vec<u8>>)>,
}

pub fn model_read(ops: &[Op], key: u8, now_s: i64) -> ModelPartition {
    let ops: Vec<&Op> = ops.iter().filter(|o| o.key() == key).collect();
    let partition_deletion = ops
        .iter()
        .filter_map(|o| match o {
            Op::PartitionDelete { ts, .. } => Some(*ts),
            _ => None,
        })
        .max()
        .unwrap_or(i64::MIN);
    let row_deletion = |c: i32| {
        ops.iter()
            .filter_map(|o| match o {
                Op::RowDelete { ck, ts, .. } if *ck == c => Some(*ts),
                Op::RangeDelete { lo, hi, ts, .. } if *lo <= c && c <= *hi => Some(*ts),
                _ => None,
            })
            .max()
            .unwrap_or(i64::MIN)
            .max(partition_deletion)
    };
    let winner = |cells: Vec<Cell>, deletion: i64| -> Option<Vec<u8>> {
        let best = cells.into_iter().max_by_key(cell_rank)?;
        if best.timestamp_us <= deletion || !best.is_live(now_s) {
            return None;
        }
        match best.value {
            sibyl_storage::mutation::CellValue::Bytes(b) => Some(b),
            sibyl_storage::mutation::CellValue::Counter(_) => None,
        }
    };
    let mut out = ModelPartition::default();
    let statics: Vec<Cell> = ops
        .iter()
        .filter_map(|o| match o {
            Op::Static { ts, now, kind, .. } => Some(make_cell(kind, *ts, *now)),
            _ => None,
        })
        .collect();
    out.static_value = winner(statics, partition_deletion);
    for c in 0..6 {
        let deletion = row_deletion(c);
        let marker = ops
            .iter()
            .filter_map(|o| match o {
                Op::Marker {
                    ck, ts, now, ttl, ..
                } if *ck == c => Some(match ttl {
                    Some(t) => LivenessInfo::expiring(*ts, *t, *now),
                    None => LivenessInfo::new(*ts),
                }),
                _ => None,
            })
            .max_by_key(marker_rank);
        let marker_live = marker.is_some_and(|m| m.timestamp_us > deletion && m.is_live(now_s));
        let regular: Vec<Cell> = ops
            .iter()
            .filter_map(|o| match o {
                Op::Cell {
                    ck, ts, now, kind, ..
                } if *ck == c => Some(make_cell(kind, *ts, *now)),
                _ => None,
            })
            .collect();
        let value = winner(regular, deletion);
        let set_deletion = ops
            .iter()
            .filter_map(|o| match o {
                Op::SetDelete { ck, ts, .. } if *ck == c => Some(*ts),
                _ => None,
            })
            .max()
            .unwrap_or(i64::MIN)
            .max(deletion);
        let mut elements = BTreeSet::new();
        for path in 0..3u8 {
            let cells: Vec<Cell> = ops
                .iter()
                .filter_map(|o| match o {
                    Op::Element {
                        ck,
                        path: p,
                        ts,
                        now,
                        kind,
                        ..
                    } if *ck == c && *p == path => Some(make_cell(kind, *ts, *now)),
                    _ => None,
                })
                .collect();
            if winner(cells, set_deletion).is_some() {
                elements.insert(vec![path]);
            }
        }
        if marker_live || value.is_some() || !elements.is_empty() {
            out.rows.insert(c, (value, elements));
        }
    }
    out
}

/// Converts a storage result partition into the model's shape.
pub fn from_result(p: &sibyl_storage::query::ResultPartition) -> ModelPartition {
    let value_of = |row: &Row, col: u32| match row.columns.get(&col) {
        Some(ColumnData::Simple(c)) => match &c.value {
            sibyl_storage::mutation::CellValue::Bytes(b) => Some(b.clone()),
            sibyl_storage::mutation::CellValue::Counter(_) => None,
        },
        _ => None,
    };
    let mut out = ModelPartition {
        static_value: p.static_row.as_ref().and_then(|r| value_of(r, STATIC)),
        rows: BTreeMap::new(),
    };
    for r in &p.rows {
        let c = i32::from_be_bytes(
            r.clustering[0]
                .as_slice()
                .try_into()
                .expect("int clustering"),
        );
        let elements = match r.row.columns.get(&SET) {
            Some(ColumnData::Complex(cc)) => cc.cells.keys().cloned().collect(),
            _ => BTreeSet::new(),
        };
        out.rows.insert(c, (value_of(&r.row, REGULAR), elements));
    }
    out
}
