//! JSON rendering of SSTable contents, in the spirit of Cassandra's
//! `sstabledump`: clustering values decoded by the header's types, cell values
//! as hex (column types are the server's business), tombstones explicit.

use serde_json::{Map, Value, json};
use sibyl_storage::mutation::{
    Bound, Cell, CellValue, ColumnData, DeletionTime, LivenessInfo, NO_DELETION_TIME,
    PartitionUpdate, Row,
};
use sibyl_storage::schema::{ClusteringOrder, ColumnKind, ValueType};
use sibyl_storage::sstable::{SerializationHeader, Statistics};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fixed<const N: usize>(v: &[u8]) -> Option<[u8; N]> {
    v.try_into().ok()
}

/// Renders one serialized value of `ty` (hex when the bytes do not fit the type).
pub fn value(ty: ValueType, v: &[u8]) -> Value {
    let rendered = match ty {
        ValueType::Int => fixed::<4>(v).map(|b| json!(i32::from_be_bytes(b))),
        ValueType::BigInt | ValueType::Counter | ValueType::Timestamp | ValueType::Time => {
            fixed::<8>(v).map(|b| json!(i64::from_be_bytes(b)))
        }
        ValueType::SmallInt => fixed::<2>(v).map(|b| json!(i16::from_be_bytes(b))),
        ValueType::TinyInt => fixed::<1>(v).map(|b| json!(i8::from_be_bytes(b))),
        ValueType::Boolean => fixed::<1>(v).map(|b| json!(b[0] != 0)),
        ValueType::Double => fixed::<8>(v).map(|b| json!(f64::from_be_bytes(b))),
        ValueType::Float => fixed::<4>(v).map(|b| json!(f32::from_be_bytes(b))),
        ValueType::Date => {
            fixed::<4>(v).map(|b| json!(i64::from(u32::from_be_bytes(b)) - (1i64 << 31)))
        }
        ValueType::Text | ValueType::Ascii => std::str::from_utf8(v).ok().map(|s| json!(s)),
        ValueType::Uuid | ValueType::TimeUuid => fixed::<16>(v).map(|b| {
            let h = hex(&b);
            json!(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }),
        _ => None,
    };
    rendered.unwrap_or_else(|| json!(format!("0x{}", hex(v))))
}

fn type_name(ty: ValueType) -> String {
    format!("{ty:?}").to_ascii_lowercase()
}

fn clustering(prefix: &[Vec<u8>], header: &SerializationHeader) -> Value {
    Value::Array(
        prefix
            .iter()
            .enumerate()
            .map(|(i, v)| match header.clustering.get(i) {
                Some((ty, _)) => value(*ty, v),
                None => json!(format!("0x{}", hex(v))),
            })
            .collect(),
    )
}

fn deletion(d: &DeletionTime) -> Value {
    json!({"marked_deleted_us": d.marked_for_delete_at_us, "local_delete_time_s": d.local_deletion_time_s})
}

fn bound(b: &Bound, header: &SerializationHeader) -> Value {
    json!({"clustering": clustering(&b.prefix, header), "inclusive": b.inclusive})
}

fn liveness(m: &LivenessInfo) -> Value {
    let mut o = json!({"timestamp_us": m.timestamp_us});
    if m.is_expiring() {
        o["ttl_s"] = json!(m.ttl_seconds);
        o["expires_at_s"] = json!(m.local_expiration_time_s);
    }
    o
}

fn cell(c: &Cell) -> Value {
    let mut o = json!({"timestamp_us": c.timestamp_us});
    if c.is_tombstone() {
        o["tombstone"] = json!(true);
        o["local_delete_time_s"] = json!(c.local_deletion_time_s);
        return o;
    }
    if c.is_expiring() {
        o["ttl_s"] = json!(c.ttl_seconds);
        o["expires_at_s"] = json!(c.local_deletion_time_s);
    }
    o["value"] = match &c.value {
        CellValue::Bytes(b) => json!(format!("0x{}", hex(b))),
        CellValue::Counter(ctx) => json!({
            "counter_total": ctx.total(),
            "shards": ctx.shards.iter().map(|s| json!({
                "origin": format!("{:032x}", s.origin), "clock": s.clock, "value": s.value
            })).collect::<Vec<_>>(),
        }),
    };
    o
}

fn row(r: &Row, header: &SerializationHeader) -> Map<String, Value> {
    let mut o = Map::new();
    if let Some(m) = &r.marker {
        o.insert("liveness_info".into(), liveness(m));
    }
    if !r.deletion.is_live() {
        o.insert("deletion_info".into(), deletion(&r.deletion));
    }
    let cells = r
        .columns
        .iter()
        .map(|(id, data)| {
            let name = header
                .columns
                .iter()
                .find(|c| c.id == *id)
                .map_or_else(|| format!("#{id}"), |c| c.name.clone());
            match data {
                ColumnData::Simple(c) => {
                    let mut v = cell(c);
                    v["name"] = json!(name);
                    v
                }
                ColumnData::Complex(cc) => {
                    let mut v = json!({
                        "name": name,
                        "elements": cc.cells.iter().map(|(path, c)| {
                            let mut e = cell(c);
                            e["path"] = json!(format!("0x{}", hex(path)));
                            e
                        }).collect::<Vec<_>>(),
                    });
                    if !cc.deletion.is_live() {
                        v["deletion_info"] = deletion(&cc.deletion);
                    }
                    v
                }
            }
        })
        .collect::<Vec<_>>();
    o.insert("cells".into(), Value::Array(cells));
    o
}

/// One partition as JSON.
pub fn partition(p: &PartitionUpdate, header: &SerializationHeader) -> Value {
    let key_text = std::str::from_utf8(&p.key)
        .ok()
        .filter(|s| s.chars().all(|c| !c.is_control()));
    let mut info = json!({"key": format!("0x{}", hex(&p.key)), "token": p.token});
    if let Some(t) = key_text {
        info["key_text"] = json!(t);
    }
    if !p.deletion.is_live() {
        info["deletion_info"] = deletion(&p.deletion);
    }
    let mut rows = Vec::new();
    if !p.static_row.is_empty() {
        let mut o = row(&p.static_row, header);
        o.insert("type".into(), json!("static_block"));
        rows.push(Value::Object(o));
    }
    for rt in &p.range_tombstones {
        rows.push(json!({
            "type": "range_tombstone",
            "start": bound(&rt.slice.start, header),
            "end": bound(&rt.slice.end, header),
            "deletion_info": deletion(&rt.deletion),
        }));
    }
    for (c, r) in &p.rows {
        let mut o = row(r, header);
        o.insert("type".into(), json!("row"));
        o.insert("clustering".into(), clustering(c, header));
        rows.push(Value::Object(o));
    }
    json!({"partition": info, "rows": rows})
}

pub fn header(h: &SerializationHeader) -> Value {
    json!({
        "table_id": h.table_id,
        "keyspace": h.keyspace,
        "table": h.table,
        "clustering": h.clustering.iter().map(|(ty, order)| json!({
            "type": type_name(*ty),
            "order": if *order == ClusteringOrder::Desc { "DESC" } else { "ASC" },
        })).collect::<Vec<_>>(),
        "columns": h.columns.iter().map(|c| json!({
            "id": c.id,
            "name": c.name,
            "kind": if c.kind == ColumnKind::Static { "static" } else { "regular" },
            "complex": c.is_complex,
            "counter": c.is_counter,
        })).collect::<Vec<_>>(),
    })
}

pub fn statistics(s: &Statistics, h: &SerializationHeader) -> Value {
    let ldt = |v: i64| {
        if v == NO_DELETION_TIME {
            json!("never")
        } else {
            json!(v)
        }
    };
    json!({
        "min_timestamp_us": s.min_timestamp_us,
        "max_timestamp_us": s.max_timestamp_us,
        "min_local_deletion_time_s": ldt(s.min_local_deletion_time_s),
        "max_local_deletion_time_s": ldt(s.max_local_deletion_time_s),
        "partitions": s.partitions,
        "rows": s.rows,
        "tombstones": s.tombstones,
        "partition_deletions": s.partition_deletions,
        "static_rows": s.static_rows,
        "min_token": s.min_token,
        "max_token": s.max_token,
        "commitlog_upper_bound": {
            "segment_id": s.commitlog_upper_bound.segment_id,
            "offset": s.commitlog_upper_bound.offset,
        },
        "uncompressed_bytes": s.uncompressed_bytes,
        "max_partition_bytes": s.max_partition_bytes,
        "level": s.level,
        "min_clustering": s.clustering_bounds.as_ref().map(|(min, _)| clustering(min, h)),
        "max_clustering": s.clustering_bounds.as_ref().map(|(_, max)| clustering(max, h)),
    })
}
