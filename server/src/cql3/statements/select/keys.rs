//! Restriction values bound at execution: partition keys or a token range,
//! and clustering slices in clustering order.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::query::{PartitionSelection, TokenRange};

use super::*;
use crate::cql3::CqlResult;
use crate::cql3::ast::Term;
use crate::cql3::statements::bind::Bound;
use crate::cql3::values::compare_values;
use crate::dht::{serialize_partition_key, token_of_key};

impl SelectPlan {
    /// Cartesian product of per-component value lists.
    pub(super) fn product(lists: Vec<Vec<Vec<u8>>>) -> Vec<Vec<Vec<u8>>> {
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

    pub(super) fn partition_selection(
        &self,
        bound: &Bound<'_>,
    ) -> CqlResult<Vec<PartitionSelection>> {
        match &self.partition {
            PartitionRestriction::All => Ok(vec![PartitionSelection::TokenRange(TokenRange::FULL)]),
            PartitionRestriction::Token(bounds) => {
                let eval = |side: &Option<(Term, bool)>| -> CqlResult<Option<(i64, bool)>> {
                    side.as_ref()
                        .map(|(term, inclusive)| {
                            Ok((
                                bound
                                    .eval_bigint(term, "partition key token")?
                                    .unwrap_or(i64::MIN),
                                *inclusive,
                            ))
                        })
                        .transpose()
                };
                let (start, start_inclusive) = eval(&bounds.lower)?.unwrap_or((i64::MIN, true));
                let (end, end_inclusive) = eval(&bounds.upper)?.unwrap_or((i64::MAX, true));
                Ok(vec![PartitionSelection::TokenRange(TokenRange {
                    start,
                    start_inclusive,
                    end,
                    end_inclusive,
                })])
            }
            PartitionRestriction::Keys(values) => {
                let columns: Vec<_> = self.table.partition_key().collect();
                let lists = values
                    .iter()
                    .zip(&columns)
                    .map(|(v, c)| key_values(bound, v, &c.column_type, &c.name))
                    .collect::<CqlResult<Vec<_>>>()?;
                Ok(Self::product(lists)
                    .into_iter()
                    .map(|components| {
                        let refs: Vec<&[u8]> = components.iter().map(Vec::as_slice).collect();
                        let key = serialize_partition_key(&refs);
                        let token = token_of_key(&key).0;
                        PartitionSelection::Single { key, token }
                    })
                    .collect())
            }
        }
    }
}

/// Orders clustering prefixes by the columns' types and directions.
pub(super) fn compare_prefixes(
    order: &[(ColumnType, bool)],
    a: &[Vec<u8>],
    b: &[Vec<u8>],
) -> Ordering {
    for ((x, y), (ty, desc)) in a.iter().zip(b).zip(order) {
        let o = compare_values(ty, x, y);
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// The values of one key column, sorted by its type and deduplicated.
pub(super) fn key_values(
    bound: &Bound<'_>,
    values: &KeyValues,
    ty: &ColumnType,
    name: &str,
) -> CqlResult<Vec<Vec<u8>>> {
    let mut out = match values {
        KeyValues::Eq(term) => vec![bound.eval_required(term, ty, name)?],
        KeyValues::In(terms) => terms
            .iter()
            .map(|t| bound.eval_required(t, ty, name))
            .collect::<CqlResult<_>>()?,
        KeyValues::InMarker(term) => {
            let list = bound.eval_required(
                term,
                &ColumnType::List(Box::new(ty.clone())),
                &format!("in({name})"),
            )?;
            crate::cql3::writes::collection_elements(&list)?
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect()
        }
    };
    out.sort_by(|a, b| compare_values(ty, a, b));
    out.dedup();
    Ok(out)
}
