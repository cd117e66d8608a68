//! The `[option]` type descriptor (spec v4 §4.2.5.2, v5 §4.2.5.2).
//!
//! ## Format
//! A `[short]` option id followed by a value that depends on the id: nothing for
//! native types; a `[string]` Java class name for Custom (0x0000); one `[option]`
//! for List (0x0020) and Set (0x0022); two for Map (0x0021); for UDT (0x0030) a
//! keyspace `[string]`, a type name `[string]`, a `[short]` n and n pairs of field
//! name `[string]` and field `[option]`; for Tuple (0x0031) a `[short]` n and n
//! `[option]`s.
//!
//! Duration has id 0x0015 from v5 on; v4 peers send it as Custom
//! `org.apache.cassandra.db.marshal.DurationType`. Vectors have no id and always
//! travel as Custom `org.apache.cassandra.db.marshal.VectorType(<element>, <n>)`.
//! Both custom forms decode to [`ColumnType::Duration`] and [`ColumnType::Vector`].

use crate::error::DecodeError;
use crate::types::MAX_NESTING_DEPTH;
use crate::types::class_name;
use crate::wire::{read_short, read_string, write_short, write_string};

/// A CQL type as carried in result metadata and prepared statement metadata.
///
/// Frozenness is not part of the wire descriptor, so it is not part of this type
/// either; the CQL-text helpers take or return it separately.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A type the server knows only by its Java class name.
    Custom(String),
    Ascii,
    Bigint,
    Blob,
    Boolean,
    Counter,
    Decimal,
    Double,
    Float,
    Int,
    Timestamp,
    Uuid,
    /// `text`, alias `varchar` (option id 0x000D).
    Text,
    Varint,
    Timeuuid,
    Inet,
    Date,
    Time,
    Smallint,
    Tinyint,
    Duration,
    List(Box<ColumnType>),
    Map(Box<ColumnType>, Box<ColumnType>),
    Set(Box<ColumnType>),
    /// A user-defined type. Types parsed from CQL text have an empty keyspace
    /// (unless qualified) and no fields: the caller resolves them from its schema.
    Udt {
        keyspace: String,
        name: String,
        fields: Vec<(String, ColumnType)>,
    },
    Tuple(Vec<ColumnType>),
    /// Cassandra 5.0 `vector<element, dimension>`; dimension is at least 1.
    Vector {
        element: Box<ColumnType>,
        dimension: u32,
    },
}

/// Option ids of spec §4.2.5.2.
mod id {
    pub const CUSTOM: u16 = 0x0000;
    pub const ASCII: u16 = 0x0001;
    pub const BIGINT: u16 = 0x0002;
    pub const BLOB: u16 = 0x0003;
    pub const BOOLEAN: u16 = 0x0004;
    pub const COUNTER: u16 = 0x0005;
    pub const DECIMAL: u16 = 0x0006;
    pub const DOUBLE: u16 = 0x0007;
    pub const FLOAT: u16 = 0x0008;
    pub const INT: u16 = 0x0009;
    pub const TIMESTAMP: u16 = 0x000B;
    pub const UUID: u16 = 0x000C;
    pub const VARCHAR: u16 = 0x000D;
    pub const VARINT: u16 = 0x000E;
    pub const TIMEUUID: u16 = 0x000F;
    pub const INET: u16 = 0x0010;
    pub const DATE: u16 = 0x0011;
    pub const TIME: u16 = 0x0012;
    pub const SMALLINT: u16 = 0x0013;
    pub const TINYINT: u16 = 0x0014;
    pub const DURATION: u16 = 0x0015;
    pub const LIST: u16 = 0x0020;
    pub const MAP: u16 = 0x0021;
    pub const SET: u16 = 0x0022;
    pub const UDT: u16 = 0x0030;
    pub const TUPLE: u16 = 0x0031;
}

/// The smallest encoding of an `[option]` (a bare id), used to bound allocations.
const MIN_OPTION_BYTES: usize = 2;

impl ColumnType {
    /// Reads an `[option]` type descriptor and advances `buf` past it.
    pub fn read(buf: &mut &[u8]) -> Result<ColumnType, DecodeError> {
        Self::read_nested(buf, 0)
    }

    fn read_nested(buf: &mut &[u8], depth: usize) -> Result<ColumnType, DecodeError> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(DecodeError::TypeTooDeep);
        }
        let option_id = read_short(buf)?;
        let column_type = match option_id {
            id::CUSTOM => Self::from_custom_class(read_string(buf)?),
            id::ASCII => ColumnType::Ascii,
            id::BIGINT => ColumnType::Bigint,
            id::BLOB => ColumnType::Blob,
            id::BOOLEAN => ColumnType::Boolean,
            id::COUNTER => ColumnType::Counter,
            id::DECIMAL => ColumnType::Decimal,
            id::DOUBLE => ColumnType::Double,
            id::FLOAT => ColumnType::Float,
            id::INT => ColumnType::Int,
            id::TIMESTAMP => ColumnType::Timestamp,
            id::UUID => ColumnType::Uuid,
            id::VARCHAR => ColumnType::Text,
            id::VARINT => ColumnType::Varint,
            id::TIMEUUID => ColumnType::Timeuuid,
            id::INET => ColumnType::Inet,
            id::DATE => ColumnType::Date,
            id::TIME => ColumnType::Time,
            id::SMALLINT => ColumnType::Smallint,
            id::TINYINT => ColumnType::Tinyint,
            id::DURATION => ColumnType::Duration,
            id::LIST => ColumnType::List(Box::new(Self::read_nested(buf, depth + 1)?)),
            id::SET => ColumnType::Set(Box::new(Self::read_nested(buf, depth + 1)?)),
            id::MAP => {
                let key = Self::read_nested(buf, depth + 1)?;
                let value = Self::read_nested(buf, depth + 1)?;
                ColumnType::Map(Box::new(key), Box::new(value))
            }
            id::UDT => {
                let keyspace = read_string(buf)?.to_owned();
                let name = read_string(buf)?.to_owned();
                let count = usize::from(read_short(buf)?);
                // A field is at least an empty [string] and a bare option id.
                let mut fields = Vec::with_capacity(count.min(buf.len() / (2 + MIN_OPTION_BYTES)));
                for _ in 0..count {
                    let field_name = read_string(buf)?.to_owned();
                    fields.push((field_name, Self::read_nested(buf, depth + 1)?));
                }
                ColumnType::Udt {
                    keyspace,
                    name,
                    fields,
                }
            }
            id::TUPLE => {
                let count = usize::from(read_short(buf)?);
                let mut elements = Vec::with_capacity(count.min(buf.len() / MIN_OPTION_BYTES));
                for _ in 0..count {
                    elements.push(Self::read_nested(buf, depth + 1)?);
                }
                ColumnType::Tuple(elements)
            }
            unknown => return Err(DecodeError::UnknownTypeOption(unknown)),
        };
        Ok(column_type)
    }

    /// Interprets a Custom class name: duration and vector classes become their
    /// own variants; anything else stays `Custom` with the name untouched.
    pub fn from_custom_class(class: &str) -> ColumnType {
        match class_name::parse(class) {
            Ok(parsed @ (ColumnType::Vector { .. } | ColumnType::Duration)) => parsed,
            _ => ColumnType::Custom(class.to_owned()),
        }
    }

    /// Writes the `[option]` as protocol v5 does (duration as id 0x0015).
    ///
    /// Panics if a name exceeds 65535 bytes, which only a caller-built type can.
    pub fn write(&self, out: &mut Vec<u8>) {
        self.write_for_version(out, 5);
    }

    /// Writes the `[option]` for a protocol version: below v5, duration has no id
    /// and is sent as a Custom class name, as Cassandra does.
    pub fn write_for_version(&self, out: &mut Vec<u8>, protocol_version: u8) {
        let native_id = |out: &mut Vec<u8>, option_id: u16| write_short(out, option_id);
        match self {
            ColumnType::Custom(class) => {
                write_short(out, id::CUSTOM);
                write_string(out, class);
            }
            ColumnType::Ascii => native_id(out, id::ASCII),
            ColumnType::Bigint => native_id(out, id::BIGINT),
            ColumnType::Blob => native_id(out, id::BLOB),
            ColumnType::Boolean => native_id(out, id::BOOLEAN),
            ColumnType::Counter => native_id(out, id::COUNTER),
            ColumnType::Decimal => native_id(out, id::DECIMAL),
            ColumnType::Double => native_id(out, id::DOUBLE),
            ColumnType::Float => native_id(out, id::FLOAT),
            ColumnType::Int => native_id(out, id::INT),
            ColumnType::Timestamp => native_id(out, id::TIMESTAMP),
            ColumnType::Uuid => native_id(out, id::UUID),
            ColumnType::Text => native_id(out, id::VARCHAR),
            ColumnType::Varint => native_id(out, id::VARINT),
            ColumnType::Timeuuid => native_id(out, id::TIMEUUID),
            ColumnType::Inet => native_id(out, id::INET),
            ColumnType::Date => native_id(out, id::DATE),
            ColumnType::Time => native_id(out, id::TIME),
            ColumnType::Smallint => native_id(out, id::SMALLINT),
            ColumnType::Tinyint => native_id(out, id::TINYINT),
            ColumnType::Duration if protocol_version >= 5 => native_id(out, id::DURATION),
            ColumnType::Duration | ColumnType::Vector { .. } => {
                write_short(out, id::CUSTOM);
                write_string(out, &self.marshal_class_name());
            }
            ColumnType::List(element) => {
                write_short(out, id::LIST);
                element.write_for_version(out, protocol_version);
            }
            ColumnType::Set(element) => {
                write_short(out, id::SET);
                element.write_for_version(out, protocol_version);
            }
            ColumnType::Map(key, value) => {
                write_short(out, id::MAP);
                key.write_for_version(out, protocol_version);
                value.write_for_version(out, protocol_version);
            }
            ColumnType::Udt {
                keyspace,
                name,
                fields,
            } => {
                write_short(out, id::UDT);
                write_string(out, keyspace);
                write_string(out, name);
                write_short(out, count_u16(fields.len()));
                for (field_name, field_type) in fields {
                    write_string(out, field_name);
                    field_type.write_for_version(out, protocol_version);
                }
            }
            ColumnType::Tuple(elements) => {
                write_short(out, id::TUPLE);
                write_short(out, count_u16(elements.len()));
                for element in elements {
                    element.write_for_version(out, protocol_version);
                }
            }
        }
    }

    /// The byte width of this type's values inside a vector when they carry no length
    /// prefix there (Cassandra's `valueLengthIfFixed`), else `None`.
    pub fn fixed_width_in_vector(&self) -> Option<usize> {
        match self {
            ColumnType::Boolean => Some(1),
            ColumnType::Float | ColumnType::Int => Some(4),
            ColumnType::Double | ColumnType::Bigint | ColumnType::Timestamp => Some(8),
            ColumnType::Uuid | ColumnType::Timeuuid => Some(16),
            ColumnType::Vector { element, dimension } => element
                .fixed_width_in_vector()
                .and_then(|width| width.checked_mul(usize::try_from(*dimension).ok()?)),
            _ => None,
        }
    }

    /// True for collections and UDTs, the types that can be non-frozen (multi-cell)
    /// and are therefore spelled `frozen<...>` when nested.
    pub fn can_be_multi_cell(&self) -> bool {
        matches!(
            self,
            ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..) | ColumnType::Udt { .. }
        )
    }
}

/// UDT and tuple arities are `[short]`s; more than 65535 fields is a caller bug.
fn count_u16(count: usize) -> u16 {
    u16::try_from(count).unwrap_or_else(|_| panic!("{count} type components exceed 65535"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(column_type: &ColumnType, protocol_version: u8) -> ColumnType {
        let mut out = Vec::new();
        column_type.write_for_version(&mut out, protocol_version);
        let mut buf = out.as_slice();
        let read = ColumnType::read(&mut buf).expect("descriptor decodes");
        assert!(buf.is_empty(), "descriptor fully consumed");
        read
    }

    fn every_kind() -> ColumnType {
        ColumnType::Tuple(vec![
            ColumnType::Custom("com.example.MyType".to_owned()),
            ColumnType::Map(
                Box::new(ColumnType::Text),
                Box::new(ColumnType::List(Box::new(ColumnType::Duration))),
            ),
            ColumnType::Set(Box::new(ColumnType::Timeuuid)),
            ColumnType::Vector {
                element: Box::new(ColumnType::Float),
                dimension: 3,
            },
            ColumnType::Udt {
                keyspace: "ks".to_owned(),
                name: "address".to_owned(),
                fields: vec![
                    ("street".to_owned(), ColumnType::Text),
                    ("zip".to_owned(), ColumnType::Int),
                ],
            },
            ColumnType::Ascii,
            ColumnType::Bigint,
            ColumnType::Blob,
            ColumnType::Boolean,
            ColumnType::Counter,
            ColumnType::Decimal,
            ColumnType::Double,
            ColumnType::Int,
            ColumnType::Timestamp,
            ColumnType::Uuid,
            ColumnType::Varint,
            ColumnType::Inet,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Smallint,
            ColumnType::Tinyint,
        ])
    }

    #[test]
    fn every_kind_round_trips_in_v4_and_v5() {
        let column_type = every_kind();
        assert_eq!(round_trip(&column_type, 5), column_type);
        assert_eq!(round_trip(&column_type, 4), column_type);
    }

    #[test]
    fn v4_sends_duration_as_custom_and_v5_as_its_id() {
        let mut v4 = Vec::new();
        ColumnType::Duration.write_for_version(&mut v4, 4);
        assert_eq!(&v4[..2], &[0, 0]);
        assert!(v4.ends_with(b"org.apache.cassandra.db.marshal.DurationType"));
        let mut v5 = Vec::new();
        ColumnType::Duration.write(&mut v5);
        assert_eq!(v5, vec![0x00, 0x15]);
    }

    #[test]
    fn vector_travels_as_custom_class_name() {
        let mut out = Vec::new();
        ColumnType::Vector {
            element: Box::new(ColumnType::Float),
            dimension: 3,
        }
        .write(&mut out);
        let class = "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)";
        let mut expected = vec![0, 0, 0, class.len() as u8];
        expected.extend_from_slice(class.as_bytes());
        assert_eq!(out, expected);
    }

    #[test]
    fn unknown_option_id_and_truncation_are_errors() {
        assert_eq!(
            ColumnType::read(&mut [0x00u8, 0x0A].as_slice()),
            Err(DecodeError::UnknownTypeOption(0x0A))
        );
        assert!(ColumnType::read(&mut [0x00u8, 0x21, 0x00, 0x0D].as_slice()).is_err());
        assert!(
            ColumnType::read(&mut [0x00u8, 0x30, 0x00, 0x02, b'k', b's', 0x00].as_slice()).is_err()
        );
        // A tuple claiming 65535 elements with none present fails without allocating them.
        assert!(ColumnType::read(&mut [0x00u8, 0x31, 0xFF, 0xFF].as_slice()).is_err());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let mut bytes = vec![];
        for _ in 0..(MAX_NESTING_DEPTH + 1) {
            bytes.extend_from_slice(&[0x00, 0x20]);
        }
        bytes.extend_from_slice(&[0x00, 0x09]);
        assert_eq!(
            ColumnType::read(&mut bytes.as_slice()),
            Err(DecodeError::TypeTooDeep)
        );
    }

    #[test]
    fn unknown_custom_class_stays_custom() {
        let class = "org.apache.cassandra.db.marshal.DynamicCompositeType(a=>Int32Type)";
        assert_eq!(
            ColumnType::from_custom_class(class),
            ColumnType::Custom(class.to_owned())
        );
        assert_eq!(
            ColumnType::from_custom_class("org.apache.cassandra.db.marshal.DurationType"),
            ColumnType::Duration
        );
    }
}
