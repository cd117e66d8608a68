//! Value encoders (spec v4 §6, v5 §6.8 duration, §7 UDTs, Cassandra 5.0 vectors).
//!
//! Collections and tuples use `[int]` lengths for their elements (v3+); vectors of
//! fixed-width elements concatenate them, others prefix each with an
//! `[unsigned vint]` length, as Cassandra's `VectorType` does.

use crate::types::CqlValue;
use crate::types::vint::{write_unsigned_vint, write_vint};
use crate::wire::{write_bytes, write_int};

impl CqlValue {
    /// Appends this value's bytes, without the `[bytes]` length prefix.
    ///
    /// Panics if a nested element or a collection exceeds `i32::MAX` bytes or
    /// elements, which the protocol cannot carry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            CqlValue::Ascii(text) | CqlValue::Text(text) => out.extend_from_slice(text.as_bytes()),
            CqlValue::Blob(bytes) | CqlValue::Varint(bytes) => out.extend_from_slice(bytes),
            CqlValue::Bigint(v)
            | CqlValue::Counter(v)
            | CqlValue::Timestamp(v)
            | CqlValue::Time(v) => out.extend_from_slice(&v.to_be_bytes()),
            CqlValue::Boolean(v) => out.push(u8::from(*v)),
            CqlValue::Decimal { unscaled, scale } => {
                write_int(out, *scale);
                out.extend_from_slice(unscaled);
            }
            CqlValue::Double(v) => out.extend_from_slice(&v.to_be_bytes()),
            CqlValue::Float(v) => out.extend_from_slice(&v.to_be_bytes()),
            CqlValue::Int(v) => write_int(out, *v),
            CqlValue::Uuid(bytes) | CqlValue::Timeuuid(bytes) => out.extend_from_slice(bytes),
            CqlValue::Inet(std::net::IpAddr::V4(ip)) => out.extend_from_slice(&ip.octets()),
            CqlValue::Inet(std::net::IpAddr::V6(ip)) => out.extend_from_slice(&ip.octets()),
            CqlValue::Date(days) => out.extend_from_slice(&days.to_be_bytes()),
            CqlValue::Smallint(v) => out.extend_from_slice(&v.to_be_bytes()),
            CqlValue::Tinyint(v) => out.extend_from_slice(&v.to_be_bytes()),
            CqlValue::Duration {
                months,
                days,
                nanoseconds,
            } => {
                write_vint(out, i64::from(*months));
                write_vint(out, i64::from(*days));
                write_vint(out, *nanoseconds);
            }
            CqlValue::List(elements) | CqlValue::Set(elements) => {
                write_count(out, elements.len());
                for element in elements {
                    write_element(out, Some(element));
                }
            }
            CqlValue::Map(entries) => {
                write_count(out, entries.len());
                for (key, value) in entries {
                    write_element(out, Some(key));
                    write_element(out, Some(value));
                }
            }
            CqlValue::Tuple(elements) => {
                for element in elements {
                    write_element(out, element.as_ref());
                }
            }
            CqlValue::Udt(fields) => {
                for (_, value) in fields {
                    write_element(out, value.as_ref());
                }
            }
            CqlValue::Vector(elements) => {
                let fixed = elements
                    .first()
                    .is_some_and(|e| e.fixed_width_in_vector().is_some());
                for element in elements {
                    if fixed {
                        element.encode(out);
                    } else {
                        let start = out.len();
                        element.encode(out);
                        let encoded = out.split_off(start);
                        write_unsigned_vint(out, encoded.len() as u64);
                        out.extend_from_slice(&encoded);
                    }
                }
            }
            CqlValue::Empty => {}
        }
    }

    /// This value's bytes in a fresh buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

fn write_count(out: &mut Vec<u8>, count: usize) {
    let count = i32::try_from(count).unwrap_or_else(|_| panic!("{count} elements exceed i32::MAX"));
    write_int(out, count);
}

/// A nested `[bytes]`: `[int]` length and bytes, or -1 for null.
fn write_element(out: &mut Vec<u8>, element: Option<&CqlValue>) {
    match element {
        None => write_bytes(out, None),
        Some(element) => {
            let length_at = out.len();
            write_int(out, 0);
            element.encode(out);
            let length = out.len() - length_at - 4;
            let length =
                i32::try_from(length).unwrap_or_else(|_| panic!("{length} bytes exceed i32::MAX"));
            out.splice(length_at..length_at + 4, length.to_be_bytes());
        }
    }
}
