//! Cassandra marshal class names (`org.apache.cassandra.db.marshal.Int32Type`):
//! what DESCRIBE, some clients and Custom `[option]`s (spec §4.2.5.2, 0x0000) use.
//!
//! ## Format
//! `<class>` for native types and `<class>(<param>, ...)` for parameterised ones:
//! `ListType(e)`, `SetType(e)`, `MapType(k,v)`, `TupleType(a,b,...)`,
//! `UserType(keyspace,<hex name>,<hex field>:<type>,...)`,
//! `VectorType(<element>, <dimension>)` and `FrozenType(t)`. The package prefix is
//! optional on read. Collections and UDTs nested in another type are frozen and
//! written wrapped in `FrozenType(...)`, as Cassandra does; on read, `FrozenType`
//! and `ReversedType` wrappers are dropped, since the wire descriptor has neither.

use std::fmt::Write as _;

use crate::types::{ColumnType, MAX_NESTING_DEPTH};

const PACKAGE: &str = "org.apache.cassandra.db.marshal.";

/// Native types and their classes. The first class of a type is the one written;
/// `DateType` is Cassandra's legacy name for timestamps.
const NATIVE_CLASSES: &[(&str, ColumnType)] = &[
    ("AsciiType", ColumnType::Ascii),
    ("LongType", ColumnType::Bigint),
    ("BytesType", ColumnType::Blob),
    ("BooleanType", ColumnType::Boolean),
    ("CounterColumnType", ColumnType::Counter),
    ("DecimalType", ColumnType::Decimal),
    ("DoubleType", ColumnType::Double),
    ("FloatType", ColumnType::Float),
    ("Int32Type", ColumnType::Int),
    ("TimestampType", ColumnType::Timestamp),
    ("DateType", ColumnType::Timestamp),
    ("UUIDType", ColumnType::Uuid),
    ("UTF8Type", ColumnType::Text),
    ("IntegerType", ColumnType::Varint),
    ("TimeUUIDType", ColumnType::Timeuuid),
    ("InetAddressType", ColumnType::Inet),
    ("SimpleDateType", ColumnType::Date),
    ("TimeType", ColumnType::Time),
    ("ShortType", ColumnType::Smallint),
    ("ByteType", ColumnType::Tinyint),
    ("DurationType", ColumnType::Duration),
];

impl ColumnType {
    /// The marshal class name of a non-frozen column of this type.
    pub fn marshal_class_name(&self) -> String {
        let mut out = String::new();
        write_class(self, false, &mut out);
        out
    }

    /// The marshal class name of a frozen column: collections and UDTs are wrapped
    /// in `FrozenType(...)`.
    pub fn marshal_class_name_frozen(&self) -> String {
        let mut out = String::new();
        write_class(self, true, &mut out);
        out
    }
}

fn write_class(column_type: &ColumnType, frozen: bool, out: &mut String) {
    if frozen && column_type.can_be_multi_cell() {
        out.push_str(PACKAGE);
        out.push_str("FrozenType(");
        write_class(column_type, false, out);
        out.push(')');
        return;
    }
    if let ColumnType::Custom(class) = column_type {
        out.push_str(class);
        return;
    }
    if let Some((class, _)) = NATIVE_CLASSES
        .iter()
        .find(|(_, native)| native == column_type)
    {
        out.push_str(PACKAGE);
        out.push_str(class);
        return;
    }
    out.push_str(PACKAGE);
    match column_type {
        ColumnType::List(element) => {
            out.push_str("ListType(");
            write_class(element, true, out);
        }
        ColumnType::Set(element) => {
            out.push_str("SetType(");
            write_class(element, true, out);
        }
        ColumnType::Map(key, value) => {
            out.push_str("MapType(");
            write_class(key, true, out);
            out.push(',');
            write_class(value, true, out);
        }
        ColumnType::Tuple(elements) => {
            out.push_str("TupleType(");
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_class(element, true, out);
            }
        }
        ColumnType::Udt {
            keyspace,
            name,
            fields,
        } => {
            out.push_str("UserType(");
            out.push_str(keyspace);
            out.push(',');
            push_hex(out, name);
            for (field_name, field_type) in fields {
                out.push(',');
                push_hex(out, field_name);
                out.push(':');
                write_class(field_type, true, out);
            }
        }
        ColumnType::Vector { element, dimension } => {
            out.push_str("VectorType(");
            write_class(element, true, out);
            let _ = write!(out, ", {dimension}");
        }
        _ => {}
    }
    out.push(')');
}

fn push_hex(out: &mut String, text: &str) {
    for byte in text.bytes() {
        let _ = write!(out, "{byte:02x}");
    }
}

/// Why a class name did not parse; callers keep the name as `Custom` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassParseError(pub String);

/// Parses a marshal class name into a type.
pub(crate) fn parse(class: &str) -> Result<ColumnType, ClassParseError> {
    let mut parser = Parser { rest: class };
    let column_type = parser.parse_type(0)?;
    parser.skip_blanks();
    if !parser.rest.is_empty() {
        return Err(ClassParseError(format!("trailing text {:?}", parser.rest)));
    }
    Ok(column_type)
}

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn skip_blanks(&mut self) {
        self.rest = self.rest.trim_start();
    }

    /// Identifier characters of Cassandra's `TypeParser`.
    fn identifier(&mut self) -> &'a str {
        self.skip_blanks();
        let end = self
            .rest
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.' | '_' | '&'))
            })
            .unwrap_or(self.rest.len());
        let (identifier, rest) = self.rest.split_at(end);
        self.rest = rest;
        identifier
    }

    fn accept(&mut self, token: char) -> bool {
        self.skip_blanks();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, token: char) -> Result<(), ClassParseError> {
        if self.accept(token) {
            Ok(())
        } else {
            Err(ClassParseError(format!(
                "expected {token:?} at {:?}",
                self.rest
            )))
        }
    }

    fn parse_type(&mut self, depth: usize) -> Result<ColumnType, ClassParseError> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(ClassParseError("type nested too deeply".to_owned()));
        }
        let full_name = self.identifier();
        let name = full_name.strip_prefix(PACKAGE).unwrap_or(full_name);
        if let Some((_, native)) = NATIVE_CLASSES.iter().find(|(class, _)| *class == name) {
            return Ok(native.clone());
        }
        let nested = |parser: &mut Self| parser.parse_type(depth + 1).map(Box::new);
        self.expect('(')?;
        let column_type = match name {
            "FrozenType" | "ReversedType" => *nested(self)?,
            "ListType" => ColumnType::List(nested(self)?),
            "SetType" => ColumnType::Set(nested(self)?),
            "MapType" => {
                let key = nested(self)?;
                self.expect(',')?;
                ColumnType::Map(key, nested(self)?)
            }
            "TupleType" => {
                let mut elements = vec![self.parse_type(depth + 1)?];
                while self.accept(',') {
                    elements.push(self.parse_type(depth + 1)?);
                }
                ColumnType::Tuple(elements)
            }
            "VectorType" => {
                let element = nested(self)?;
                self.expect(',')?;
                let dimension = self.identifier();
                let dimension = dimension
                    .parse::<u32>()
                    .ok()
                    .filter(|d| *d > 0)
                    .ok_or_else(|| {
                        ClassParseError(format!("bad vector dimension {dimension:?}"))
                    })?;
                ColumnType::Vector { element, dimension }
            }
            "UserType" => {
                let keyspace = self.identifier().to_owned();
                self.expect(',')?;
                let name = from_hex(self.identifier())?;
                let mut fields = Vec::new();
                while self.accept(',') {
                    let field_name = from_hex(self.identifier())?;
                    self.expect(':')?;
                    fields.push((field_name, self.parse_type(depth + 1)?));
                }
                ColumnType::Udt {
                    keyspace,
                    name,
                    fields,
                }
            }
            other => return Err(ClassParseError(format!("unknown marshal class {other:?}"))),
        };
        self.expect(')')?;
        Ok(column_type)
    }
}

fn from_hex(hex: &str) -> Result<String, ClassParseError> {
    let bad = || ClassParseError(format!("bad hex name {hex:?}"));
    if !hex.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|at| {
            hex.get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udt() -> ColumnType {
        ColumnType::Udt {
            keyspace: "ks".to_owned(),
            name: "Addr".to_owned(),
            fields: vec![
                ("zip".to_owned(), ColumnType::Int),
                (
                    "tags".to_owned(),
                    ColumnType::Set(Box::new(ColumnType::Text)),
                ),
            ],
        }
    }

    #[test]
    fn native_names_match_cassandra() {
        assert_eq!(
            ColumnType::Int.marshal_class_name(),
            "org.apache.cassandra.db.marshal.Int32Type"
        );
        assert_eq!(
            ColumnType::Date.marshal_class_name(),
            "org.apache.cassandra.db.marshal.SimpleDateType"
        );
        assert_eq!(
            ColumnType::Timestamp.marshal_class_name(),
            "org.apache.cassandra.db.marshal.TimestampType"
        );
        assert_eq!(parse("DateType"), Ok(ColumnType::Timestamp));
    }

    #[test]
    fn nested_collections_are_frozen() {
        let column_type = ColumnType::Map(
            Box::new(ColumnType::Text),
            Box::new(ColumnType::List(Box::new(ColumnType::Int))),
        );
        assert_eq!(
            column_type.marshal_class_name(),
            "org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.UTF8Type,\
             org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(\
             org.apache.cassandra.db.marshal.Int32Type)))"
        );
        assert!(
            column_type
                .marshal_class_name_frozen()
                .starts_with("org.apache.cassandra.db.marshal.FrozenType(org")
        );
    }

    #[test]
    fn every_parameterised_class_round_trips() {
        let column_types = [
            udt(),
            ColumnType::Tuple(vec![ColumnType::Int, udt(), ColumnType::Duration]),
            ColumnType::Vector {
                element: Box::new(ColumnType::Float),
                dimension: 3,
            },
            ColumnType::Vector {
                element: Box::new(ColumnType::Set(Box::new(ColumnType::List(Box::new(
                    ColumnType::Varint,
                ))))),
                dimension: 2,
            },
            ColumnType::Map(Box::new(ColumnType::Timeuuid), Box::new(udt())),
        ];
        for column_type in column_types {
            assert_eq!(
                parse(&column_type.marshal_class_name()),
                Ok(column_type.clone())
            );
            assert_eq!(
                parse(&column_type.marshal_class_name_frozen()),
                Ok(column_type)
            );
        }
    }

    #[test]
    fn short_names_blanks_and_reversed_are_accepted() {
        assert_eq!(
            parse(" VectorType ( ReversedType(Int32Type) ,5 ) "),
            Ok(ColumnType::Vector {
                element: Box::new(ColumnType::Int),
                dimension: 5
            })
        );
    }

    #[test]
    fn malformed_classes_are_errors() {
        for class in [
            "VectorType(FloatType, 0)",
            "VectorType(FloatType)",
            "ListType(",
            "MapType(Int32Type)",
            "UserType(ks,zz)",
            "Nope",
            "ListType(Int32Type))",
            "TupleType()",
        ] {
            assert!(parse(class).is_err(), "{class}");
        }
        let deep = "ListType(".repeat(100) + "Int32Type" + &")".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
