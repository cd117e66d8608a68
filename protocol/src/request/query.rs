//! QUERY (spec §4.1.4): `<query [long string]><query_parameters>`, and the
//! query parameters shared with EXECUTE:
//!
//! ```text
//! <consistency [short]><flags>[<n [short]><value_1>...<value_n>]
//!   [<result_page_size [int]>][<paging_state [bytes]>]
//!   [<serial_consistency [short]>][<timestamp [long]>]
//!   [<keyspace [string]>][<now_in_seconds [int]>]      (the last two v5 only)
//! ```
//! `<flags>` is a byte in v3/v4 and an `[int]` in v5.

use crate::consistency::Consistency;
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire::{self, RawValue};

/// Query parameter flags (spec §4.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryFlags(pub u32);

impl QueryFlags {
    pub const VALUES: u32 = 0x01;
    pub const SKIP_METADATA: u32 = 0x02;
    pub const PAGE_SIZE: u32 = 0x04;
    pub const PAGING_STATE: u32 = 0x08;
    pub const SERIAL_CONSISTENCY: u32 = 0x10;
    pub const DEFAULT_TIMESTAMP: u32 = 0x20;
    pub const NAMES_FOR_VALUES: u32 = 0x40;
    pub const KEYSPACE: u32 = 0x80;
    pub const NOW_IN_SECONDS: u32 = 0x100;

    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    pub(crate) fn read(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(Self(if version >= Version::V5 {
            wire::read_int(buf)? as u32
        } else {
            u32::from(wire::read_u8(buf)?)
        }))
    }

    pub(crate) fn write(self, version: Version, out: &mut Vec<u8>) {
        if version >= Version::V5 {
            wire::write_int(out, self.0 as i32);
        } else {
            wire::write_u8(out, self.0 as u8);
        }
    }
}

/// Bound values, validated once at decode time and kept as the raw bytes so
/// that reading them allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoundValues<'a> {
    count: u16,
    named: bool,
    raw: &'a [u8],
}

impl<'a> BoundValues<'a> {
    /// Reads `<n [short]>` and n values (each preceded by a `[string]` name when
    /// `named`).
    pub fn decode(buf: &mut &'a [u8], named: bool) -> Result<Self, DecodeError> {
        let count = wire::read_short(buf)?;
        let start = *buf;
        for _ in 0..count {
            if named {
                wire::read_string(buf)?;
            }
            wire::read_value(buf)?;
        }
        let used = start.len() - buf.len();
        // Names matter only when there are values: keep the form canonical.
        let named = named && count > 0;
        Ok(Self {
            count,
            named,
            raw: start.get(..used).unwrap_or_default(),
        })
    }

    /// Values already in wire form (`raw` holds `count` entries, names first if
    /// `named`), as built by [`encode_values`].
    pub fn from_encoded(count: u16, named: bool, raw: &'a [u8]) -> Self {
        Self { count, named, raw }
    }

    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn is_named(&self) -> bool {
        self.named
    }

    /// The values in order, with their names when the client sent names.
    pub fn iter(&self) -> impl Iterator<Item = (Option<&'a str>, RawValue<'a>)> + use<'a> {
        let mut buf = self.raw;
        let named = self.named;
        (0..self.count).map_while(move |_| {
            let name = if named {
                Some(wire::read_string(&mut buf).ok()?)
            } else {
                None
            };
            Some((name, wire::read_value(&mut buf).ok()?))
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_short(out, self.count);
        out.extend_from_slice(self.raw);
    }
}

/// Builds the wire form of a value list for [`BoundValues::from_encoded`].
pub fn encode_values(values: &[(Option<&str>, RawValue<'_>)]) -> (u16, bool, Vec<u8>) {
    let named = values.first().is_some_and(|(n, _)| n.is_some());
    let mut raw = Vec::new();
    for (name, value) in values {
        if named {
            wire::write_string(&mut raw, name.unwrap_or_default());
        }
        wire::write_value(&mut raw, *value);
    }
    let count =
        u16::try_from(values.len()).unwrap_or_else(|_| panic!("more than 65535 bound values"));
    (count, named, raw)
}

/// Everything QUERY and EXECUTE carry besides the statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryParameters<'a> {
    pub consistency: Consistency,
    pub values: BoundValues<'a>,
    pub skip_metadata: bool,
    pub page_size: Option<i32>,
    pub paging_state: Option<&'a [u8]>,
    pub serial_consistency: Option<Consistency>,
    pub timestamp: Option<i64>,
    pub keyspace: Option<&'a str>,
    pub now_in_seconds: Option<i32>,
}

impl<'a> QueryParameters<'a> {
    pub fn decode(version: Version, buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        let consistency = Consistency::read(buf)?;
        let flags = QueryFlags::read(version, buf)?;
        let mut params = QueryParameters {
            consistency,
            skip_metadata: flags.has(QueryFlags::SKIP_METADATA),
            ..Default::default()
        };
        if flags.has(QueryFlags::VALUES) {
            params.values = BoundValues::decode(buf, flags.has(QueryFlags::NAMES_FOR_VALUES))?;
        }
        if flags.has(QueryFlags::PAGE_SIZE) {
            params.page_size = Some(wire::read_int(buf)?);
        }
        if flags.has(QueryFlags::PAGING_STATE) {
            params.paging_state = wire::read_bytes(buf)?;
        }
        if flags.has(QueryFlags::SERIAL_CONSISTENCY) {
            params.serial_consistency = Some(Consistency::read(buf)?);
        }
        if flags.has(QueryFlags::DEFAULT_TIMESTAMP) {
            params.timestamp = Some(wire::read_long(buf)?);
        }
        if version >= Version::V5 {
            if flags.has(QueryFlags::KEYSPACE) {
                params.keyspace = Some(wire::read_string(buf)?);
            }
            if flags.has(QueryFlags::NOW_IN_SECONDS) {
                params.now_in_seconds = Some(wire::read_int(buf)?);
            }
        }
        Ok(params)
    }

    pub fn flags(&self, version: Version) -> QueryFlags {
        let mut flags = 0;
        let mut set = |flag: u32, on: bool| {
            if on {
                flags |= flag;
            }
        };
        set(QueryFlags::VALUES, !self.values.is_empty());
        set(
            QueryFlags::NAMES_FOR_VALUES,
            !self.values.is_empty() && self.values.is_named(),
        );
        set(QueryFlags::SKIP_METADATA, self.skip_metadata);
        set(QueryFlags::PAGE_SIZE, self.page_size.is_some());
        set(QueryFlags::PAGING_STATE, self.paging_state.is_some());
        set(
            QueryFlags::SERIAL_CONSISTENCY,
            self.serial_consistency.is_some(),
        );
        set(QueryFlags::DEFAULT_TIMESTAMP, self.timestamp.is_some());
        if version >= Version::V5 {
            set(QueryFlags::KEYSPACE, self.keyspace.is_some());
            set(QueryFlags::NOW_IN_SECONDS, self.now_in_seconds.is_some());
        }
        QueryFlags(flags)
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        self.consistency.write(out);
        let flags = self.flags(version);
        flags.write(version, out);
        if flags.has(QueryFlags::VALUES) {
            self.values.encode(out);
        }
        if let Some(n) = self.page_size {
            wire::write_int(out, n);
        }
        if let Some(state) = self.paging_state {
            wire::write_bytes(out, Some(state));
        }
        if let Some(cl) = self.serial_consistency {
            cl.write(out);
        }
        if let Some(ts) = self.timestamp {
            wire::write_long(out, ts);
        }
        if flags.has(QueryFlags::KEYSPACE) {
            wire::write_string(out, self.keyspace.unwrap_or_default());
        }
        if flags.has(QueryFlags::NOW_IN_SECONDS) {
            wire::write_int(out, self.now_in_seconds.unwrap_or_default());
        }
    }
}

/// QUERY: a statement in text and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    pub query: &'a str,
    pub params: QueryParameters<'a>,
}

impl<'a> Query<'a> {
    pub fn decode(version: Version, buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        let query = wire::read_long_string(buf)?;
        let params = QueryParameters::decode(version, buf)?;
        Ok(Self { query, params })
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_long_string(out, self.query);
        self.params.encode(version, out);
    }
}
