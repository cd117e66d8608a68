//! Virtual tables: rows computed from in-memory state on every read, never
//! stored. Today: `system_virtual_schema.{keyspaces, tables, columns}`, which
//! describe the virtual keyspaces themselves (drivers read them at connect).

use std::rc::Rc;

use sibyl_protocol::types::CqlValue;
use sibyl_storage::mutation::{Cell, ColumnData, LivenessInfo, Row};
use sibyl_storage::query::{
    PartitionSelection, ReadCommand, ReadResult, ResultPartition, ResultRow,
};

use super::{CqlError, CqlResult};
use crate::dht::token_of_key;
use crate::schema::{TableMetadata, TableMetadata as Table};
use crate::service::ShardServices;

fn text(s: &str) -> Vec<u8> {
    CqlValue::Text(s.to_owned()).to_bytes()
}

/// Rows of `table` as (partition key, clustering, named cells).
type VirtualRow = (Vec<u8>, Vec<Vec<u8>>, Vec<(&'static str, Vec<u8>)>);

fn rows_of(services: &ShardServices, table: &Table) -> CqlResult<Vec<VirtualRow>> {
    let schema = services.schema();
    let virtual_keyspaces: Vec<_> = schema.keyspaces.values().filter(|k| k.is_virtual).collect();
    let mut rows = Vec::new();
    match table.name.as_str() {
        "keyspaces" => {
            for ks in &virtual_keyspaces {
                rows.push((text(&ks.name), Vec::new(), Vec::new()));
            }
        }
        "tables" => {
            for ks in &virtual_keyspaces {
                for t in ks.tables.values() {
                    rows.push((
                        text(&ks.name),
                        vec![text(&t.name)],
                        vec![("comment", text(&t.params.comment))],
                    ));
                }
            }
        }
        "columns" => {
            for ks in &virtual_keyspaces {
                for t in ks.tables.values() {
                    for c in &t.columns {
                        rows.push((
                            text(&ks.name),
                            vec![text(&t.name), text(&c.name)],
                            vec![
                                ("clustering_order", text(c.clustering_order_text())),
                                ("column_name_bytes", c.name.as_bytes().to_vec()),
                                ("kind", text(c.kind.as_str())),
                                ("position", c.position.to_be_bytes().to_vec()),
                                ("type", text(&c.type_text())),
                            ],
                        ));
                    }
                }
            }
        }
        other => return Err(CqlError::invalid(format!("Unknown virtual table {other}"))),
    }
    Ok(rows)
}

/// Answers `command` against the virtual `table`.
pub fn read(
    services: &Rc<ShardServices>,
    table: &TableMetadata,
    command: &ReadCommand,
) -> CqlResult<ReadResult> {
    let mut partitions: Vec<ResultPartition> = Vec::new();
    for (key, clustering, cells) in rows_of(services, table)? {
        let token = token_of_key(&key).0;
        let wanted = match &command.selection {
            PartitionSelection::Single { key: k, .. } => *k == key,
            PartitionSelection::TokenRange(range) => range.contains(token),
        };
        if !wanted {
            continue;
        }
        let mut row = Row {
            marker: Some(LivenessInfo::new(0)),
            ..Row::default()
        };
        for (name, value) in cells {
            if let Some(column) = table.column(name) {
                row.columns
                    .insert(column.id, ColumnData::Simple(Cell::live(0, value)));
            }
        }
        let result_row = ResultRow { clustering, row };
        match partitions.iter_mut().find(|p| p.key == key) {
            Some(partition) => partition.rows.push(result_row),
            None => partitions.push(ResultPartition {
                key,
                token,
                static_row: None,
                rows: vec![result_row],
            }),
        }
    }
    partitions.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
    Ok(ReadResult {
        partitions,
        next_page: None,
    })
}
