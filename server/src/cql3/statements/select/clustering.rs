//! Clustering restrictions: single-column `=`/`IN`/slices and Cassandra's
//! multi-column (tuple) relations `(c1, c2) = (..)`, `(c1, c2) IN ((..), ..)`
//! and tuple slices `(c1, c2) > (..)`. Preparation checks them with
//! Cassandra's messages; execution turns them into storage slices in
//! clustering order.
//!
//! Tuple slices compare in each column's natural order whatever the
//! clustering direction (Cassandra 4.0+), so with mixed ASC/DESC columns one
//! tuple bound becomes several storage slices: `(a, b) > (1, 2)` is
//! `a = 1 AND b > 2` plus `a > 1`.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{Bound as SliceBound, ClusteringSlice};

use super::restrictions::{Filter, KeyValues, SliceBounds};
use crate::cql3::ast::{Operator, RelationValue, Term};
use crate::cql3::statements::bind::Bound;
use crate::cql3::values::compare_values;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::{ColumnKind, TableMetadata};

/// A multi-column relation as written, on clustering columns
/// `start..start + width`.
#[derive(Debug, Clone)]
pub(super) struct TupleRelation {
    pub(super) start: usize,
    pub(super) width: usize,
    pub(super) kind: TupleKind,
}

#[derive(Debug, Clone)]
pub(super) enum TupleKind {
    Values(KeyValues),
    Lower(Term, bool),
    Upper(Term, bool),
}

/// One `=`/`IN` group of the clustering prefix: one column, or a tuple of
/// `width` columns whose values come as tuples.
#[derive(Debug, Clone)]
struct PrefixGroup {
    width: usize,
    values: KeyValues,
    tuple: bool,
}

/// One side of the slice: the first `width` columns from the slice's start
/// compared to a value (a tuple when `tuple`).
#[derive(Debug, Clone)]
struct SliceSide {
    width: usize,
    term: Term,
    inclusive: bool,
    tuple: bool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ClusteringPlan {
    prefix: Vec<PrefixGroup>,
    lower: Option<SliceSide>,
    upper: Option<SliceSide>,
    has_slice: bool,
}

/// A piece of a clustering range: the columns before `eq.len()` equal `eq`,
/// the next one between the bounds (or anything when both are absent).
struct Piece {
    eq: Vec<Vec<u8>>,
    lower: Option<(Vec<u8>, bool)>,
    upper: Option<(Vec<u8>, bool)>,
}

fn clustering_column(t: &TableMetadata, position: usize) -> usize {
    t.columns
        .iter()
        .position(|c| c.kind == ColumnKind::Clustering && c.position == position as i32)
        .unwrap_or(0)
}

impl ClusteringPlan {
    /// Checks the clustering restrictions like Cassandra and orders them into
    /// a prefix of `=`/`IN` groups and at most one slice; with ALLOW
    /// FILTERING what cannot be a storage slice becomes a filter.
    pub(super) fn prepare(
        t: &TableMetadata,
        singles: Vec<Option<KeyValues>>,
        mut single_slices: Vec<(usize, SliceBounds)>,
        tuples: Vec<TupleRelation>,
        allow_filtering: bool,
        filters: &mut Vec<Filter>,
    ) -> CqlResult<Self> {
        let names: Vec<String> = t.clustering_key().map(|c| c.name.clone()).collect();
        let name = |p: usize| names.get(p).cloned().unwrap_or_default();
        let sliced = |p: usize| single_slices.iter().any(|(q, _)| *q == p);
        for tuple in &tuples {
            for p in tuple.start..tuple.start + tuple.width {
                if singles.get(p).is_some_and(Option::is_some) || sliced(p) {
                    return Err(CqlError::invalid(
                        "Mixing single column relations and multi column relations on clustering columns is not allowed",
                    ));
                }
            }
        }
        // Tuple `=`/`IN` may not share a column with any other tuple relation.
        for (i, a) in tuples.iter().enumerate() {
            for b in tuples.iter().skip(i + 1) {
                let common = a.start.max(b.start)..(a.start + a.width).min(b.start + b.width);
                let is_values = |r: &TupleRelation| matches!(r.kind, TupleKind::Values(_));
                if !common.is_empty() && (is_values(a) || is_values(b)) {
                    return Err(CqlError::invalid(format!(
                        "{} cannot be restricted by more than one relation if it includes an Equal",
                        common.map(name).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
        let mut plan = ClusteringPlan::default();
        // Slot per clustering column: where each restriction starts.
        let mut groups: Vec<Option<PrefixGroup>> = vec![None; names.len()];
        for (p, values) in singles.into_iter().enumerate() {
            if let Some(values) = values {
                groups[p] = Some(PrefixGroup {
                    width: 1,
                    values,
                    tuple: false,
                });
            }
        }
        if let Some((p, _)) = single_slices
            .iter()
            .find(|(p, _)| groups.get(*p).is_some_and(Option::is_some))
        {
            return Err(CqlError::invalid(format!(
                "{} cannot be restricted by more than one relation if it includes an Equal",
                name(*p)
            )));
        }
        // One single-column slice can reach storage; slices on later columns
        // are filtered (ALLOW FILTERING) as in Cassandra.
        single_slices.sort_by_key(|(p, _)| *p);
        let mut later_slices = single_slices.split_off(single_slices.len().min(1));
        let single_slice = single_slices.pop();
        if let (Some((first, _)), Some((later, _))) = (&single_slice, later_slices.first())
            && !allow_filtering
        {
            return Err(CqlError::invalid(format!(
                "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                name(*later),
                name(*first)
            )));
        }
        let mut slice_start = None;
        let mut slice_end = 0;
        let mut slice_is_tuple = false;
        if let Some((p, bounds)) = single_slice {
            slice_start = Some(p);
            slice_end = p + 1;
            let side = |b: Option<(Term, bool)>| {
                b.map(|(term, inclusive)| SliceSide {
                    width: 1,
                    term,
                    inclusive,
                    tuple: false,
                })
            };
            plan.lower = side(bounds.lower);
            plan.upper = side(bounds.upper);
        }
        for tuple in tuples {
            let (is_lower, term, inclusive) = match tuple.kind {
                TupleKind::Values(values) => {
                    groups[tuple.start] = Some(PrefixGroup {
                        width: tuple.width,
                        values,
                        tuple: true,
                    });
                    continue;
                }
                TupleKind::Lower(term, inclusive) => (true, term, inclusive),
                TupleKind::Upper(term, inclusive) => (false, term, inclusive),
            };
            if let Some(start) = slice_start.filter(|s| *s != tuple.start) {
                let end = tuple.start + tuple.width;
                return Err(CqlError::invalid(if !slice_is_tuple {
                    format!(
                        "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                        name(tuple.start.max(start)),
                        name(tuple.start.min(start))
                    )
                } else {
                    let overlaps = start < end && tuple.start < slice_end;
                    format!(
                        "Column \"{}\" cannot be restricted by two tuple-notation inequalities not starting with the same column",
                        name(if overlaps {
                            start.max(tuple.start)
                        } else {
                            tuple.start
                        })
                    )
                }));
            }
            let slot = if is_lower {
                &mut plan.lower
            } else {
                &mut plan.upper
            };
            if slot.is_some() {
                return Err(CqlError::invalid(format!(
                    "More than one restriction was found for the {} bound on {}",
                    if is_lower { "start" } else { "end" },
                    (tuple.start..tuple.start + tuple.width)
                        .map(name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            *slot = Some(SliceSide {
                width: tuple.width,
                term,
                inclusive,
                tuple: true,
            });
            slice_start = Some(tuple.start);
            slice_end = slice_end.max(tuple.start + tuple.width);
            slice_is_tuple = true;
        }
        // The prefix: `=`/`IN` groups without a gap, then the slice.
        let mut position = 0;
        while let Some(group) = groups.get_mut(position).and_then(Option::take) {
            position += group.width;
            plan.prefix.push(group);
        }
        let restricted_after = |from: usize, groups: &[Option<PrefixGroup>]| {
            groups
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, g)| g.is_some())
                .map(|(p, _)| p)
        };
        match slice_start {
            Some(start) if start == position => {
                plan.has_slice = true;
                if let Some(after) = restricted_after(slice_end, &groups)
                    && !allow_filtering
                {
                    return Err(CqlError::invalid(format!(
                        "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                        name(after),
                        name(start)
                    )));
                }
            }
            Some(start) => {
                if !allow_filtering {
                    return Err(CqlError::invalid(format!(
                        "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{}\" is not restricted",
                        name(start),
                        name(position)
                    )));
                }
                let (lower, upper) = (plan.lower.take(), plan.upper.take());
                if slice_is_tuple {
                    return Err(CqlError::invalid(
                        "Filtering on multi-column slices after an unrestricted clustering column is not supported yet",
                    ));
                }
                let side = |s: Option<SliceSide>| s.map(|s| (s.term, s.inclusive));
                let bounds = SliceBounds {
                    lower: side(lower),
                    upper: side(upper),
                };
                slice_filters(t, start, bounds, filters);
            }
            None => {}
        }
        for (p, bounds) in later_slices.drain(..) {
            slice_filters(t, p, bounds, filters);
        }
        // Anything left past a gap (or past the slice) is filtered.
        for (p, group) in groups.into_iter().enumerate() {
            let Some(group) = group else { continue };
            if !allow_filtering {
                return Err(CqlError::invalid(format!(
                    "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{}\" is not restricted",
                    name(p),
                    name(position)
                )));
            }
            let value = match (group.tuple, group.values) {
                (false, KeyValues::Eq(term)) => (Operator::Equal, RelationValue::Term(term)),
                (false, KeyValues::In(terms)) => (Operator::In, RelationValue::InList(terms)),
                (false, KeyValues::InMarker(Term::BindMarker(marker))) => {
                    (Operator::In, RelationValue::InMarker(marker))
                }
                _ => {
                    return Err(CqlError::invalid(
                        "Filtering on this clustering restriction after an unrestricted clustering column is not supported yet",
                    ));
                }
            };
            filters.push(Filter {
                map_key: None,
                column: clustering_column(t, p),
                operator: value.0,
                value: value.1,
            });
        }
        Ok(plan)
    }

    /// Whether any clustering restriction reaches storage.
    pub(super) fn is_restricted(&self) -> bool {
        !self.prefix.is_empty() || self.has_slice
    }

    /// The storage slices, in clustering order. Empty when the restrictions
    /// select nothing (`IN ()`), or when there are none: see `is_restricted`.
    pub(super) fn slices(
        &self,
        t: &TableMetadata,
        bound: &Bound<'_>,
    ) -> CqlResult<Vec<ClusteringSlice>> {
        if !self.is_restricted() {
            return Ok(Vec::new());
        }
        let columns: Vec<_> = t.clustering_key().collect();
        let types: Vec<ColumnType> = columns.iter().map(|c| c.column_type.clone()).collect();
        let mut prefixes: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        for group in &self.prefix {
            let at = prefixes.first().map_or(0, Vec::len);
            let alternatives = group_values(&columns[at..at + group.width], group, bound)?;
            prefixes = prefixes
                .into_iter()
                .flat_map(|prefix| {
                    alternatives
                        .iter()
                        .map(move |a| [prefix.clone(), a.clone()].concat())
                })
                .collect();
        }
        let mut pieces = Vec::new();
        for prefix in prefixes {
            if !self.has_slice {
                pieces.push(Piece {
                    eq: prefix,
                    lower: None,
                    upper: None,
                });
                continue;
            }
            let at = prefix.len();
            let side = |side: &Option<SliceSide>| -> CqlResult<Option<(Vec<Vec<u8>>, bool)>> {
                side.as_ref()
                    .map(|s| {
                        let values = if s.tuple {
                            tuple_components(&columns[at..at + s.width], &s.term, bound)?
                        } else {
                            let c = columns
                                .get(at)
                                .ok_or_else(|| CqlError::server("slice past the clustering key"))?;
                            vec![bound.eval_required(&s.term, &c.column_type, &c.name)?]
                        };
                        Ok((values, s.inclusive))
                    })
                    .transpose()
            };
            let (lower, upper) = (side(&self.lower)?, side(&self.upper)?);
            range_pieces(
                &types[at..],
                prefix,
                lower.as_ref().map(|(v, i)| (v.as_slice(), *i)),
                upper.as_ref().map(|(v, i)| (v.as_slice(), *i)),
                &mut pieces,
            );
        }
        let order: Vec<(ColumnType, bool)> = columns
            .iter()
            .map(|c| (c.column_type.clone(), c.descending))
            .collect();
        let mut slices: Vec<ClusteringSlice> = pieces
            .into_iter()
            .map(|piece| piece_slice(&order, piece))
            .collect();
        slices.sort_by(|a, b| compare_starts(&order, &a.start, &b.start));
        slices.dedup();
        Ok(slices)
    }
}

/// A single-column clustering slice as filters on the column.
fn slice_filters(
    t: &TableMetadata,
    position: usize,
    bounds: SliceBounds,
    filters: &mut Vec<Filter>,
) {
    for (side, strict, loose) in [
        (
            bounds.lower,
            Operator::GreaterThan,
            Operator::GreaterThanOrEqual,
        ),
        (bounds.upper, Operator::LessThan, Operator::LessThanOrEqual),
    ] {
        if let Some((term, inclusive)) = side {
            filters.push(Filter {
                map_key: None,
                column: clustering_column(t, position),
                operator: if inclusive { loose } else { strict },
                value: RelationValue::Term(term),
            });
        }
    }
}

/// The alternatives of one prefix group, each `group.width` values.
fn group_values(
    columns: &[&crate::schema::ColumnMetadata],
    group: &PrefixGroup,
    bound: &Bound<'_>,
) -> CqlResult<Vec<Vec<Vec<u8>>>> {
    let Some(first) = columns.first() else {
        return Err(CqlError::server("prefix past the clustering key"));
    };
    if !group.tuple {
        return Ok(
            super::keys::key_values(bound, &group.values, &first.column_type, &first.name)?
                .into_iter()
                .map(|v| vec![v])
                .collect(),
        );
    }
    let mut out = match &group.values {
        KeyValues::Eq(term) => vec![tuple_components(columns, term, bound)?],
        KeyValues::In(terms) => terms
            .iter()
            .map(|term| tuple_components(columns, term, bound))
            .collect::<CqlResult<_>>()?,
        KeyValues::InMarker(term) => {
            let ty = ColumnType::List(Box::new(tuple_type(columns)));
            let list = bound.eval_required(term, &ty, &format!("in({})", tuple_name(columns)))?;
            crate::cql3::writes::collection_elements(&list)?
                .into_iter()
                .map(|element| split_tuple(columns, element))
                .collect::<CqlResult<_>>()?
        }
    };
    out.dedup();
    Ok(out)
}

pub(super) fn tuple_type(columns: &[&crate::schema::ColumnMetadata]) -> ColumnType {
    ColumnType::Tuple(columns.iter().map(|c| c.column_type.clone()).collect())
}

/// Cassandra's name for a tuple marker: `(b,c)`.
pub(super) fn tuple_name(columns: &[&crate::schema::ColumnMetadata]) -> String {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    format!("({})", names.join(","))
}

/// A tuple term evaluated and split into one value per column.
fn tuple_components(
    columns: &[&crate::schema::ColumnMetadata],
    term: &Term,
    bound: &Bound<'_>,
) -> CqlResult<Vec<Vec<u8>>> {
    let bytes = bound.eval_required(term, &tuple_type(columns), &tuple_name(columns))?;
    split_tuple(columns, &bytes)
}

fn split_tuple(
    columns: &[&crate::schema::ColumnMetadata],
    bytes: &[u8],
) -> CqlResult<Vec<Vec<u8>>> {
    let fields = crate::cql3::writes::udt_fields(bytes)?;
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            fields
                .get(i)
                .copied()
                .flatten()
                .map(<[u8]>::to_vec)
                .ok_or_else(|| {
                    CqlError::invalid(format!(
                        "Invalid null value in condition for column {}",
                        column.name
                    ))
                })
        })
        .collect()
}

/// Splits the lexicographic range `lower..upper` (natural order of `types`)
/// under the equal prefix `eq` into pieces that are each one contiguous
/// storage range whatever the columns' clustering directions.
fn range_pieces(
    types: &[ColumnType],
    eq: Vec<Vec<u8>>,
    lower: Option<(&[Vec<u8>], bool)>,
    upper: Option<(&[Vec<u8>], bool)>,
    out: &mut Vec<Piece>,
) {
    // An exhausted tuple matched every column it had: inclusive admits the
    // rest, exclusive admits nothing.
    if matches!(lower, Some(([], false))) || matches!(upper, Some(([], false))) {
        return;
    }
    let lower = lower.filter(|(values, _)| !values.is_empty());
    let upper = upper.filter(|(values, _)| !values.is_empty());
    let Some((ty, rest)) = types.split_first() else {
        out.push(Piece {
            eq,
            lower: None,
            upper: None,
        });
        return;
    };
    let split = |side: Option<(&[Vec<u8>], bool)>| {
        side.and_then(|(values, inclusive)| {
            values
                .split_first()
                .map(|(first, tail)| (first.clone(), tail.to_vec(), inclusive))
        })
    };
    let (l, u) = (split(lower), split(upper));
    if let (Some((l0, ltail, li)), Some((u0, utail, ui))) = (&l, &u) {
        match compare_values(ty, l0, u0) {
            Ordering::Greater => return,
            Ordering::Equal => {
                let mut eq = eq;
                eq.push(l0.clone());
                range_pieces(rest, eq, Some((ltail, *li)), Some((utail, *ui)), out);
                return;
            }
            Ordering::Less => {}
        }
    }
    let mut middle = Piece {
        eq: eq.clone(),
        lower: None,
        upper: None,
    };
    if let Some((l0, ltail, inclusive)) = l {
        if ltail.is_empty() {
            middle.lower = Some((l0, inclusive));
        } else {
            let mut at = eq.clone();
            at.push(l0.clone());
            range_pieces(rest, at, Some((&ltail, inclusive)), None, out);
            middle.lower = Some((l0, false));
        }
    }
    if let Some((u0, utail, inclusive)) = u {
        if utail.is_empty() {
            middle.upper = Some((u0, inclusive));
        } else {
            let mut at = eq;
            at.push(u0.clone());
            range_pieces(rest, at, None, Some((&utail, inclusive)), out);
            middle.upper = Some((u0, false));
        }
    }
    out.push(middle);
}

/// The storage slice of one piece: bounds on a DESC column swap ends.
fn piece_slice(order: &[(ColumnType, bool)], piece: Piece) -> ClusteringSlice {
    let descending = order.get(piece.eq.len()).is_some_and(|(_, d)| *d);
    let make = |side: Option<(Vec<u8>, bool)>| match side {
        Some((value, inclusive)) => {
            let mut prefix = piece.eq.clone();
            prefix.push(value);
            SliceBound { prefix, inclusive }
        }
        None => SliceBound::inclusive(piece.eq.clone()),
    };
    let (lower, upper) = (make(piece.lower), make(piece.upper));
    let (start, end) = if descending {
        (upper, lower)
    } else {
        (lower, upper)
    };
    ClusteringSlice { start, end }
}

/// Orders slice starts in clustering order: an inclusive prefix starts before
/// everything under it, an exclusive one after.
fn compare_starts(order: &[(ColumnType, bool)], a: &SliceBound, b: &SliceBound) -> Ordering {
    let n = a.prefix.len().min(b.prefix.len());
    let common = super::keys::compare_prefixes(order, &a.prefix[..n], &b.prefix[..n]);
    if common != Ordering::Equal {
        return common;
    }
    let side = |bound: &SliceBound| {
        if bound.inclusive {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    };
    match a.prefix.len().cmp(&b.prefix.len()) {
        Ordering::Equal => side(a).cmp(&side(b)),
        Ordering::Less => side(a),
        Ordering::Greater => side(b).reverse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i32) -> Vec<u8> {
        v.to_be_bytes().to_vec()
    }

    fn admits(piece: &Piece, row: &[Vec<u8>]) -> bool {
        let n = piece.eq.len();
        if row[..n] != piece.eq[..] {
            return false;
        }
        let Some(value) = row.get(n) else {
            return piece.lower.is_none() && piece.upper.is_none();
        };
        let cmp = |b: &Vec<u8>| compare_values(&ColumnType::Int, value, b);
        piece.lower.as_ref().is_none_or(|(b, inclusive)| {
            cmp(b) == Ordering::Greater || (*inclusive && cmp(b) == Ordering::Equal)
        }) && piece.upper.as_ref().is_none_or(|(b, inclusive)| {
            cmp(b) == Ordering::Less || (*inclusive && cmp(b) == Ordering::Equal)
        })
    }

    /// Every tuple range over a 3x3x3 grid: the pieces cover exactly the rows
    /// the lexicographic comparison admits, each row once.
    #[test]
    fn range_pieces_cover_the_lexicographic_range_exactly_once() {
        let types = vec![ColumnType::Int; 3];
        let grid: Vec<Vec<Vec<u8>>> = (0..27)
            .map(|i| vec![int(i / 9), int(i / 3 % 3), int(i % 3)])
            .collect();
        let tuples: Vec<Vec<Vec<u8>>> = (1..=3)
            .flat_map(|width| {
                (0..3i32.pow(width as u32)).map(move |i| {
                    (0..width)
                        .map(|d| int(i / 3i32.pow(d as u32) % 3))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let lex = |row: &[Vec<u8>], t: &[Vec<u8>]| {
            for (a, b) in row.iter().zip(t) {
                let o = compare_values(&ColumnType::Int, a, b);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        };
        for lower in &tuples {
            for upper in &tuples {
                for (li, ui) in [(true, true), (true, false), (false, true), (false, false)] {
                    let mut pieces = Vec::new();
                    range_pieces(
                        &types,
                        Vec::new(),
                        Some((lower, li)),
                        Some((upper, ui)),
                        &mut pieces,
                    );
                    for row in &grid {
                        let lo = lex(row, lower);
                        let hi = lex(row, upper);
                        let wanted = (lo == Ordering::Greater || (li && lo == Ordering::Equal))
                            && (hi == Ordering::Less || (ui && hi == Ordering::Equal));
                        let hits = pieces.iter().filter(|p| admits(p, row)).count();
                        assert_eq!(
                            hits,
                            usize::from(wanted),
                            "{lower:?} {li} {upper:?} {ui} {row:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn slice_starts_order_inclusive_prefixes_before_and_exclusive_after() {
        let order = vec![(ColumnType::Int, false), (ColumnType::Int, true)];
        let bound = |prefix: Vec<Vec<u8>>, inclusive| SliceBound { prefix, inclusive };
        let within = bound(vec![int(1), int(5)], true);
        assert_eq!(
            compare_starts(&order, &bound(vec![int(1)], true), &within),
            Ordering::Less
        );
        assert_eq!(
            compare_starts(&order, &bound(vec![int(1)], false), &within),
            Ordering::Greater
        );
        // The second column is DESC: 7 comes before 5.
        assert_eq!(
            compare_starts(&order, &bound(vec![int(1), int(7)], true), &within),
            Ordering::Less
        );
    }
}
