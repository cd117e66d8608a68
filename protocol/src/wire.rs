//! Primitive notations of the native protocol (spec §3): `[int]`, `[long]`,
//! `[short]`, `[string]`, `[long string]`, `[uuid]`, `[string list]`,
//! `[bytes]`, `[value]`, `[short bytes]`, `[inet]`, `[consistency]`,
//! `[string map]`, `[string multimap]`, `[bytes map]`.
//!
//! Readers take `&mut &[u8]` and advance it past what they consumed; they borrow
//! from the input where the notation allows. Writers append to a `Vec<u8>`.
//! Lengths that do not fit a notation are reported, never truncated.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::DecodeError;

/// Takes `n` bytes off the front of `buf`.
pub fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    let Some((head, rest)) = buf.split_at_checked(n) else {
        return Err(DecodeError::Truncated {
            needed: n,
            available: buf.len(),
        });
    };
    *buf = rest;
    Ok(head)
}

fn take_array<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N], DecodeError> {
    let head = take(buf, N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(head);
    Ok(out)
}

pub fn read_u8(buf: &mut &[u8]) -> Result<u8, DecodeError> {
    Ok(u8::from_be_bytes(take_array(buf)?))
}

pub fn read_short(buf: &mut &[u8]) -> Result<u16, DecodeError> {
    Ok(u16::from_be_bytes(take_array(buf)?))
}

pub fn read_int(buf: &mut &[u8]) -> Result<i32, DecodeError> {
    Ok(i32::from_be_bytes(take_array(buf)?))
}

pub fn read_long(buf: &mut &[u8]) -> Result<i64, DecodeError> {
    Ok(i64::from_be_bytes(take_array(buf)?))
}

pub fn read_uuid(buf: &mut &[u8]) -> Result<[u8; 16], DecodeError> {
    take_array(buf)
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)
}

/// `[string]`: a `[short]` n followed by n bytes of UTF-8.
pub fn read_string<'a>(buf: &mut &'a [u8]) -> Result<&'a str, DecodeError> {
    let len = read_short(buf)? as usize;
    utf8(take(buf, len)?)
}

/// `[long string]`: an `[int]` n followed by n bytes of UTF-8.
pub fn read_long_string<'a>(buf: &mut &'a [u8]) -> Result<&'a str, DecodeError> {
    let len = read_int(buf)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::NegativeLength(len))?;
    utf8(take(buf, len)?)
}

/// `[string list]`: a `[short]` n followed by n `[string]`.
pub fn read_string_list<'a>(buf: &mut &'a [u8]) -> Result<Vec<&'a str>, DecodeError> {
    let n = read_short(buf)? as usize;
    let mut out = Vec::with_capacity(n.min(buf.len() / 2));
    for _ in 0..n {
        out.push(read_string(buf)?);
    }
    Ok(out)
}

/// `[bytes]`: an `[int]` n followed by n bytes; n < 0 is null.
pub fn read_bytes<'a>(buf: &mut &'a [u8]) -> Result<Option<&'a [u8]>, DecodeError> {
    let len = read_int(buf)?;
    if len < 0 {
        return Ok(None);
    }
    Ok(Some(take(buf, len as usize)?))
}

/// `[short bytes]`: a `[short]` n followed by n bytes.
pub fn read_short_bytes<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = read_short(buf)? as usize;
    take(buf, len)
}

/// A bound `[value]` (spec §3): bytes, null (-1) or not set (-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawValue<'a> {
    Null,
    Unset,
    Value(&'a [u8]),
}

impl<'a> RawValue<'a> {
    pub fn as_value(&self) -> Option<&'a [u8]> {
        match self {
            RawValue::Value(v) => Some(v),
            RawValue::Null | RawValue::Unset => None,
        }
    }
}

/// `[value]`: an `[int]` n; n >= 0 is followed by n bytes, -1 is null, -2 is
/// "not set"; anything below -2 is an error.
pub fn read_value<'a>(buf: &mut &'a [u8]) -> Result<RawValue<'a>, DecodeError> {
    match read_int(buf)? {
        -1 => Ok(RawValue::Null),
        -2 => Ok(RawValue::Unset),
        len if len < 0 => Err(DecodeError::NegativeLength(len)),
        len => Ok(RawValue::Value(take(buf, len as usize)?)),
    }
}

/// `[inetaddr]`: one byte of length (4 or 16) and the address bytes.
pub fn read_inetaddr(buf: &mut &[u8]) -> Result<IpAddr, DecodeError> {
    match read_u8(buf)? {
        4 => Ok(IpAddr::V4(Ipv4Addr::from(take_array::<4>(buf)?))),
        16 => Ok(IpAddr::V6(Ipv6Addr::from(take_array::<16>(buf)?))),
        n => Err(DecodeError::InvalidInetLength(n)),
    }
}

/// `[inet]`: an `[inetaddr]` followed by an `[int]` port.
pub fn read_inet(buf: &mut &[u8]) -> Result<SocketAddr, DecodeError> {
    let ip = read_inetaddr(buf)?;
    let port = read_int(buf)?;
    let port = u16::try_from(port).map_err(|_| DecodeError::InvalidPort(port))?;
    Ok(SocketAddr::new(ip, port))
}

/// `[string map]`: a `[short]` n followed by n pairs of `[string]`.
pub fn read_string_map<'a>(buf: &mut &'a [u8]) -> Result<Vec<(&'a str, &'a str)>, DecodeError> {
    let n = read_short(buf)? as usize;
    let mut out = Vec::with_capacity(n.min(buf.len() / 4));
    for _ in 0..n {
        let k = read_string(buf)?;
        let v = read_string(buf)?;
        out.push((k, v));
    }
    Ok(out)
}

/// `[string multimap]`: a `[short]` n followed by n `[string]` -> `[string list]`.
pub fn read_string_multimap<'a>(
    buf: &mut &'a [u8],
) -> Result<Vec<(&'a str, Vec<&'a str>)>, DecodeError> {
    let n = read_short(buf)? as usize;
    let mut out = Vec::with_capacity(n.min(buf.len() / 4));
    for _ in 0..n {
        let k = read_string(buf)?;
        let v = read_string_list(buf)?;
        out.push((k, v));
    }
    Ok(out)
}

/// `[bytes map]`: a `[short]` n followed by n `[string]` -> `[bytes]`.
pub fn read_bytes_map<'a>(
    buf: &mut &'a [u8],
) -> Result<Vec<(&'a str, Option<&'a [u8]>)>, DecodeError> {
    let n = read_short(buf)? as usize;
    let mut out = Vec::with_capacity(n.min(buf.len() / 6));
    for _ in 0..n {
        let k = read_string(buf)?;
        let v = read_bytes(buf)?;
        out.push((k, v));
    }
    Ok(out)
}

pub fn write_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

pub fn write_short(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn write_int(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn write_long(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn write_uuid(out: &mut Vec<u8>, v: &[u8; 16]) {
    out.extend_from_slice(v);
}

/// Length as a `[short]`, saturating is never right: callers bound their inputs,
/// and an over-long string is a programming error caught here.
fn short_len(len: usize) -> u16 {
    u16::try_from(len).unwrap_or_else(|_| panic!("[string] of {len} bytes exceeds 65535"))
}

fn int_len(len: usize) -> i32 {
    i32::try_from(len).unwrap_or_else(|_| panic!("[bytes] of {len} bytes exceeds i32::MAX"))
}

pub fn write_string(out: &mut Vec<u8>, s: &str) {
    write_short(out, short_len(s.len()));
    out.extend_from_slice(s.as_bytes());
}

pub fn write_long_string(out: &mut Vec<u8>, s: &str) {
    write_int(out, int_len(s.len()));
    out.extend_from_slice(s.as_bytes());
}

pub fn write_string_list<S: AsRef<str>>(out: &mut Vec<u8>, list: &[S]) {
    write_short(out, short_len(list.len()));
    for s in list {
        write_string(out, s.as_ref());
    }
}

pub fn write_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => write_int(out, -1),
        Some(b) => {
            write_int(out, int_len(b.len()));
            out.extend_from_slice(b);
        }
    }
}

pub fn write_short_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_short(out, short_len(b.len()));
    out.extend_from_slice(b);
}

pub fn write_value(out: &mut Vec<u8>, v: RawValue<'_>) {
    match v {
        RawValue::Null => write_int(out, -1),
        RawValue::Unset => write_int(out, -2),
        RawValue::Value(b) => write_bytes(out, Some(b)),
    }
}

pub fn write_inetaddr(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            out.push(4);
            out.extend_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            out.push(16);
            out.extend_from_slice(&v6.octets());
        }
    }
}

pub fn write_inet(out: &mut Vec<u8>, addr: SocketAddr) {
    write_inetaddr(out, addr.ip());
    write_int(out, i32::from(addr.port()));
}

pub fn write_string_map<K: AsRef<str>, V: AsRef<str>>(out: &mut Vec<u8>, map: &[(K, V)]) {
    write_short(out, short_len(map.len()));
    for (k, v) in map {
        write_string(out, k.as_ref());
        write_string(out, v.as_ref());
    }
}

pub fn write_string_multimap<K: AsRef<str>, V: AsRef<str>>(out: &mut Vec<u8>, map: &[(K, Vec<V>)]) {
    write_short(out, short_len(map.len()));
    for (k, v) in map {
        write_string(out, k.as_ref());
        write_string_list(out, v);
    }
}

pub fn write_bytes_map<K: AsRef<str>>(out: &mut Vec<u8>, map: &[(K, Option<Vec<u8>>)]) {
    write_short(out, short_len(map.len()));
    for (k, v) in map {
        write_string(out, k.as_ref());
        write_bytes(out, v.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lengths_map_to_null_unset_and_error() {
        let mut out = Vec::new();
        write_value(&mut out, RawValue::Null);
        write_value(&mut out, RawValue::Unset);
        write_value(&mut out, RawValue::Value(b"ab"));
        write_int(&mut out, -3);
        let mut buf = out.as_slice();
        assert_eq!(read_value(&mut buf), Ok(RawValue::Null));
        assert_eq!(read_value(&mut buf), Ok(RawValue::Unset));
        assert_eq!(read_value(&mut buf), Ok(RawValue::Value(b"ab")));
        assert_eq!(read_value(&mut buf), Err(DecodeError::NegativeLength(-3)));
    }

    #[test]
    fn truncated_string_is_an_error_not_a_panic() {
        let mut buf: &[u8] = &[0, 5, b'a', b'b'];
        assert_eq!(
            read_string(&mut buf),
            Err(DecodeError::Truncated {
                needed: 5,
                available: 2
            })
        );
    }

    #[test]
    fn maps_and_inet_round_trip() {
        let mut out = Vec::new();
        write_string_multimap(&mut out, &[("COMPRESSION", vec!["lz4", "snappy"])]);
        write_inet(&mut out, "127.0.0.2:9042".parse().expect("addr"));
        write_string_map(&mut out, &[("CQL_VERSION", "3.0.0")]);
        let mut buf = out.as_slice();
        assert_eq!(
            read_string_multimap(&mut buf).expect("multimap"),
            vec![("COMPRESSION", vec!["lz4", "snappy"])]
        );
        assert_eq!(
            read_inet(&mut buf).expect("inet"),
            "127.0.0.2:9042".parse().expect("addr")
        );
        assert_eq!(
            read_string_map(&mut buf).expect("map"),
            vec![("CQL_VERSION", "3.0.0")]
        );
        assert!(buf.is_empty());
    }
}
