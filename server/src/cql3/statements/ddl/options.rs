//! Property values of DDL statements (`WITH name = value AND ...`) as text
//! and maps.

use std::collections::BTreeMap;

use crate::cql3::ast::{Literal, Property, PropertyValue, Term};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::params::OptionValue;

fn term_text(term: &Term) -> CqlResult<String> {
    match term {
        Term::Literal(Literal::String(s)) => Ok(s.clone()),
        Term::Literal(
            Literal::Integer(s) | Literal::Float(s) | Literal::Uuid(s) | Literal::Duration(s),
        ) => Ok(s.clone()),
        Term::Literal(Literal::Boolean(b)) => Ok(b.to_string()),
        other => Err(CqlError::Syntax(format!(
            "Invalid value {other} in property map"
        ))),
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::String(s)
        | Literal::Integer(s)
        | Literal::Float(s)
        | Literal::Uuid(s)
        | Literal::Duration(s)
        | Literal::Hex(s) => s.clone(),
        Literal::Boolean(b) => b.to_string(),
    }
}

fn option_value(value: &PropertyValue) -> CqlResult<OptionValue> {
    Ok(match value {
        PropertyValue::Constant(literal) => OptionValue::Text(literal_text(literal)),
        PropertyValue::Keyword(k) => OptionValue::Text(k.clone()),
        PropertyValue::Map(entries) => OptionValue::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((term_text(k)?, term_text(v)?)))
                .collect::<CqlResult<BTreeMap<_, _>>>()?,
        ),
    })
}

pub(super) fn options(properties: &[Property]) -> CqlResult<Vec<(String, OptionValue)>> {
    properties
        .iter()
        .map(|p| Ok((p.name.to_lowercase(), option_value(&p.value)?)))
        .collect()
}
