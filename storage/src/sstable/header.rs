//! `Header.db`: the slice of the table schema needed to interpret an SSTable
//! on its own (Cassandra keeps the same in its `SerializationHeader`): table
//! identity, clustering types and orders, and the column definitions. Offline
//! tools (`sibyl-sstable`) read it; the engine writes it from the schema
//! snapshot the server handed the shard and never trusts it over that schema.
//!
//! ## Format (body inside [`super::frame`]; `uv` varint, `bytes` = `uv len ++ bytes`)
//!
//! ```text
//! uv table_id | bytes keyspace | bytes table
//! uv n_clustering | (u8 value_type_code | u8 order(0 asc, 1 desc))*
//! uv n_columns | (uv column_id | bytes name | u8 kind(0 regular, 1 static) | u8 flags(1 complex, 2 counter))*
//! ```

use crate::error::{Result, StorageError};
use crate::mutation::codec::{get_bytes, get_u8, get_uv, put_bytes, put_uv};
use crate::schema::{
    ClusteringComparator, ClusteringOrder, ColumnDef, ColumnKind, TableId, TableSchema, ValueType,
};

const WHAT: &str = "sstable header";

/// What an SSTable records about its table's schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SerializationHeader {
    pub table_id: TableId,
    pub keyspace: String,
    pub table: String,
    pub clustering: Vec<(ValueType, ClusteringOrder)>,
    pub columns: Vec<ColumnDef>,
}

impl SerializationHeader {
    pub fn from_schema(schema: &TableSchema) -> Self {
        SerializationHeader {
            table_id: schema.id,
            keyspace: schema.keyspace.clone(),
            table: schema.name.clone(),
            clustering: schema.clustering.clone(),
            columns: schema.columns.clone(),
        }
    }

    pub fn comparator(&self) -> ClusteringComparator {
        ClusteringComparator {
            components: self.clustering.clone(),
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        put_uv(out, self.table_id);
        put_bytes(out, self.keyspace.as_bytes());
        put_bytes(out, self.table.as_bytes());
        put_uv(out, self.clustering.len() as u64);
        for (ty, order) in &self.clustering {
            out.push(ty.code());
            out.push(u8::from(*order == ClusteringOrder::Desc));
        }
        put_uv(out, self.columns.len() as u64);
        for c in &self.columns {
            put_uv(out, u64::from(c.id));
            put_bytes(out, c.name.as_bytes());
            out.push(u8::from(c.kind == ColumnKind::Static));
            out.push(u8::from(c.is_complex) | (u8::from(c.is_counter) << 1));
        }
    }

    pub fn decode(mut body: &[u8]) -> Result<Self> {
        let b = &mut body;
        let text = |v: &[u8]| {
            String::from_utf8(v.to_vec()).map_err(|_| StorageError::corrupt(WHAT, "name not UTF-8"))
        };
        let table_id = get_uv(b)?;
        let keyspace = text(get_bytes(b)?)?;
        let table = text(get_bytes(b)?)?;
        let n = get_uv(b)?;
        // Each entry takes at least two bytes: reject counts the body cannot hold.
        if n > b.len() as u64 / 2 {
            return Err(StorageError::corrupt(WHAT, "clustering count beyond body"));
        }
        let mut clustering = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let code = get_u8(b)?;
            let ty = ValueType::from_code(code)
                .ok_or_else(|| StorageError::corrupt(WHAT, format!("unknown type code {code}")))?;
            let order = match get_u8(b)? {
                0 => ClusteringOrder::Asc,
                1 => ClusteringOrder::Desc,
                o => return Err(StorageError::corrupt(WHAT, format!("bad order {o}"))),
            };
            clustering.push((ty, order));
        }
        let n = get_uv(b)?;
        if n > b.len() as u64 / 4 {
            return Err(StorageError::corrupt(WHAT, "column count beyond body"));
        }
        let mut columns = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let id = u32::try_from(get_uv(b)?)
                .map_err(|_| StorageError::corrupt(WHAT, "column id beyond u32"))?;
            let name = text(get_bytes(b)?)?;
            let kind = match get_u8(b)? {
                0 => ColumnKind::Regular,
                1 => ColumnKind::Static,
                k => return Err(StorageError::corrupt(WHAT, format!("bad column kind {k}"))),
            };
            let flags = get_u8(b)?;
            columns.push(ColumnDef {
                id,
                name,
                kind,
                is_complex: flags & 1 != 0,
                is_counter: flags & 2 != 0,
            });
        }
        if !b.is_empty() {
            return Err(StorageError::corrupt(WHAT, "trailing bytes"));
        }
        Ok(SerializationHeader {
            table_id,
            keyspace,
            table,
            clustering,
            columns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let h = SerializationHeader {
            table_id: 42,
            keyspace: "ks".into(),
            table: "t".into(),
            clustering: vec![
                (ValueType::Int, ClusteringOrder::Asc),
                (ValueType::Text, ClusteringOrder::Desc),
            ],
            columns: vec![ColumnDef {
                id: 3,
                name: "v".into(),
                kind: ColumnKind::Static,
                is_complex: true,
                is_counter: false,
            }],
        };
        let mut bytes = Vec::new();
        h.encode(&mut bytes);
        assert_eq!(SerializationHeader::decode(&bytes).unwrap(), h);
        for cut in 0..bytes.len() {
            assert!(SerializationHeader::decode(&bytes[..cut]).is_err(), "{cut}");
        }
    }
}
