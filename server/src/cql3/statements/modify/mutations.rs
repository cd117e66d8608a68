//! Bound statements turned into mutations: keys and clusterings from the
//! restrictions, USING TTL and TIMESTAMP, INSERT JSON.

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::Mutation;

use super::{Action, ModifyPlan};
use crate::cql3::ast::Term;
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::lwt;
use crate::cql3::writes::{PartitionWriter, WriteOptions};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::ColumnKind;
use crate::service::ShardServices;

/// What one bound statement writes.
pub(super) struct Writes {
    pub mutations: Vec<Mutation>,
    /// List operations that read the list first: (key, token, update).
    pub list_updates: Vec<(Vec<u8>, i64, lwt::ListUpdate)>,
}

impl ModifyPlan {
    pub(super) fn values(
        bound: &Bound<'_>,
        terms: &[Term],
        ty: &ColumnType,
        name: &str,
    ) -> CqlResult<Vec<Vec<u8>>> {
        terms
            .iter()
            .map(|t| bound.eval_required(t, ty, name))
            .collect()
    }

    pub(super) fn product(lists: Vec<Vec<Vec<u8>>>) -> Vec<Vec<Vec<u8>>> {
        if lists.iter().all(|list| list.len() == 1) {
            // The usual statement names one value per column: one
            // combination, built by moving the values (no clones).
            return vec![lists.into_iter().flatten().collect()];
        }
        let mut out: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        for list in lists {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    list.iter()
                        .map(move |v| [prefix.clone(), vec![v.clone()]].concat())
                })
                .collect();
        }
        out
    }

    pub(super) fn bound_clusterings(&self, bound: &Bound<'_>) -> CqlResult<Vec<Vec<Vec<u8>>>> {
        let ck_columns: Vec<_> = self.table.clustering_key().collect();
        Ok(Self::product(
            self.clustering
                .iter()
                .zip(&ck_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        ))
    }

    /// Each partition key the statement names, as its component values.
    fn key_parts(&self, bound: &Bound<'_>) -> CqlResult<Vec<Vec<Vec<u8>>>> {
        let pk_columns: Vec<_> = self.table.partition_key().collect();
        Ok(Self::product(
            self.partition
                .iter()
                .zip(&pk_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        ))
    }

    /// Each partition key the statement names, serialized.
    pub(super) fn bound_keys(&self, bound: &Bound<'_>) -> CqlResult<Vec<Vec<u8>>> {
        self.key_parts(bound)?
            .into_iter()
            .map(|key| {
                let refs: Vec<&[u8]> = key.iter().map(Vec::as_slice).collect();
                validate_key(&refs)?;
                Ok(crate::dht::serialize_partition_key(&refs))
            })
            .collect()
    }

    /// What the statement writes with `bound` values: one mutation per
    /// partition, and the list operations that need the list's current
    /// cells (applied on the owning shard, see [`lwt::apply_list_ops`]).
    pub(super) fn writes(
        &self,
        bound: &Bound<'_>,
        shard: u16,
        batch_timestamp: Option<i64>,
    ) -> CqlResult<Writes> {
        let t = self.table.as_ref();
        let timestamp_us = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => None,
        }
        .or(batch_timestamp)
        .unwrap_or_else(ShardServices::now_us);
        let ttl_s = match &self.attributes.ttl {
            Some(term) => match bound.eval_int(term, "[ttl]")? {
                Some(n) if n < 0 => {
                    return Err(CqlError::invalid(format!(
                        "A TTL must be greater or equal to 0, but was {n}"
                    )));
                }
                Some(n) if n > 630_720_000 => {
                    return Err(CqlError::invalid(format!(
                        "ttl is too large. requested ({n}) maximum (630720000)"
                    )));
                }
                Some(n) => n as u32,
                None => t.params.default_time_to_live,
            },
            None => t.params.default_time_to_live,
        };
        let options = WriteOptions {
            timestamp_us,
            ttl_s,
            now_s: bound.now_ms.div_euclid(1000),
        };
        if let Action::InsertJson {
            value,
            default_unset,
        } = &self.action
        {
            return Ok(Writes {
                mutations: vec![self.json_mutation(
                    bound,
                    value,
                    *default_unset,
                    options,
                    shard,
                )?],
                list_updates: Vec::new(),
            });
        }
        let keys = self.key_parts(bound)?;
        let clusterings = self.bound_clusterings(bound)?;
        for clustering in &clusterings {
            validate_clustering(clustering)?;
        }
        let mut writes = Writes {
            mutations: Vec::with_capacity(keys.len()),
            list_updates: Vec::new(),
        };
        for key in keys {
            let refs: Vec<&[u8]> = key.iter().map(Vec::as_slice).collect();
            validate_key(&refs)?;
            let mut writer = PartitionWriter::new(t, &refs, options, shard);
            let mut list_ops = Vec::new();
            for clustering in &clusterings {
                self.apply_action(&mut writer, bound, clustering, &mut list_ops)?;
            }
            let token = writer.token();
            if !list_ops.is_empty() {
                let key_bytes = crate::dht::serialize_partition_key(&refs);
                writes
                    .list_updates
                    .extend(list_ops.into_iter().map(|(clustering, column, op)| {
                        let update = lwt::ListUpdate {
                            clustering,
                            column,
                            ops: vec![op],
                            timestamp_us,
                            ttl_s,
                        };
                        (key_bytes.clone(), token, update)
                    }));
            }
            if !writer.is_empty() {
                writes.mutations.push(writer.into_mutation());
            }
        }
        Ok(writes)
    }

    /// INSERT JSON: parses the object, maps its keys to columns (quoted keys
    /// are case-sensitive names), and writes the row like INSERT VALUES.
    pub(super) fn json_mutation(
        &self,
        bound: &Bound<'_>,
        value: &Term,
        default_unset: bool,
        options: WriteOptions,
        shard: u16,
    ) -> CqlResult<Mutation> {
        let t = self.table.as_ref();
        let text = bound.eval_required(value, &ColumnType::Text, "[json]")?;
        let text = String::from_utf8(text)
            .map_err(|_| CqlError::invalid("Invalid UTF-8 in JSON value"))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            CqlError::invalid(format!(
                "Could not decode JSON string as a map: {e}. (String was: {text})"
            ))
        })?;
        let serde_json::Value::Object(object) = json else {
            return Err(CqlError::invalid(format!(
                "Could not decode JSON string as a map: not an object. (String was: {text})"
            )));
        };
        let mut values: Vec<Option<Option<Vec<u8>>>> = vec![None; t.columns.len()];
        for (key, json_value) in &object {
            let name = match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                Some(quoted) => quoted.to_owned(),
                None => key.to_lowercase(),
            };
            let index = t
                .columns
                .iter()
                .position(|c| c.name == name)
                .ok_or_else(|| {
                    CqlError::invalid(format!(
                        "JSON values map contains unrecognized column: {key}"
                    ))
                })?;
            let column = &t.columns[index];
            let decoded =
                crate::cql3::values::json_to_value(json_value, &column.column_type, &column.name)?;
            values[index] = Some(decoded.map(|v| v.to_bytes()));
        }
        let mut key_parts = Vec::new();
        let mut clustering = Vec::new();
        for (index, column) in t.columns.iter().enumerate() {
            if !column.kind.is_primary_key() {
                continue;
            }
            let value = values[index].clone().flatten().ok_or_else(|| {
                CqlError::invalid(format!(
                    "Invalid null value in condition for column {}",
                    column.name
                ))
            })?;
            if column.kind == ColumnKind::PartitionKey {
                key_parts.push(value);
            } else {
                clustering.push(value);
            }
        }
        let refs: Vec<&[u8]> = key_parts.iter().map(Vec::as_slice).collect();
        validate_key(&refs)?;
        validate_clustering(&clustering)?;
        let mut writer = PartitionWriter::new(t, &refs, options, shard);
        writer.add_row_marker(&clustering);
        for (index, column) in t.columns.iter().enumerate() {
            if column.kind.is_primary_key() {
                continue;
            }
            match &values[index] {
                Some(value) => writer.set_column(&clustering, column, value.as_deref())?,
                None if default_unset => {}
                None => writer.set_column(&clustering, column, None)?,
            }
        }
        Ok(writer.into_mutation())
    }
}

/// The longest partition key, and clustering value, Cassandra accepts.
const MAX_KEY_BYTES: usize = u16::MAX as usize;

/// Cassandra's checks of a partition key: not empty (a single-column key),
/// and at most 65535 bytes serialized (composite keys carry a two-byte
/// length and an end byte per component).
fn validate_key(components: &[&[u8]]) -> CqlResult<()> {
    let length = match components {
        [single] => {
            if single.is_empty() {
                return Err(CqlError::invalid("Key may not be empty"));
            }
            single.len()
        }
        several => several.iter().map(|c| c.len() + 3).sum(),
    };
    if length > MAX_KEY_BYTES {
        return Err(CqlError::invalid(format!(
            "Key length of {length} is longer than maximum of {MAX_KEY_BYTES}"
        )));
    }
    Ok(())
}

/// Cassandra refuses a clustering with a value over 65535 bytes, naming the
/// size of the whole clustering.
fn validate_clustering(clustering: &[Vec<u8>]) -> CqlResult<()> {
    if clustering.iter().any(|v| v.len() > MAX_KEY_BYTES) {
        return Err(CqlError::invalid(format!(
            "Key length of {} is longer than maximum of {MAX_KEY_BYTES}",
            clustering.iter().map(Vec::len).sum::<usize>()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ModifyPlan;

    fn v(bytes: &[u8]) -> Vec<u8> {
        bytes.to_vec()
    }

    #[test]
    fn product_of_single_values_and_of_in_lists() {
        assert_eq!(ModifyPlan::product(vec![]), vec![Vec::<Vec<u8>>::new()]);
        assert_eq!(
            ModifyPlan::product(vec![vec![v(b"a")], vec![v(b"b")]]),
            vec![vec![v(b"a"), v(b"b")]]
        );
        assert_eq!(
            ModifyPlan::product(vec![vec![v(b"a"), v(b"b")], vec![v(b"c")]]),
            vec![vec![v(b"a"), v(b"c")], vec![v(b"b"), v(b"c")]]
        );
        assert!(ModifyPlan::product(vec![vec![v(b"a")], vec![]]).is_empty());
    }
}
