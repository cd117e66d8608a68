//! What sits between the header and the message proper (spec §2.2): a response
//! may start with a tracing id, warnings and a custom payload; a request may
//! start with a custom payload. Also the one function that writes whole frames.

use super::compression::Compression;
use super::header::{FrameFlags, FrameHeader, HEADER_LEN, Opcode, Version};
use crate::error::DecodeError;
use crate::wire;

/// A request body with its optional prefix split off. Borrows from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEnvelope<'a> {
    pub tracing: bool,
    pub custom_payload: Vec<(&'a str, Option<&'a [u8]>)>,
    pub message: &'a [u8],
}

/// Splits the custom payload (if flagged) off a decompressed request body.
pub fn decode_request_envelope<'a>(
    header: &FrameHeader,
    mut body: &'a [u8],
) -> Result<RequestEnvelope<'a>, DecodeError> {
    let custom_payload = if header.flags.has(FrameFlags::CUSTOM_PAYLOAD) {
        wire::read_bytes_map(&mut body)?
    } else {
        Vec::new()
    };
    Ok(RequestEnvelope {
        tracing: header.flags.has(FrameFlags::TRACING),
        custom_payload,
        message: body,
    })
}

/// The optional parts of a response frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseExtras {
    pub tracing_id: Option<[u8; 16]>,
    pub warnings: Vec<String>,
    pub custom_payload: Vec<(String, Option<Vec<u8>>)>,
}

impl ResponseExtras {
    pub const NONE: ResponseExtras = ResponseExtras {
        tracing_id: None,
        warnings: Vec::new(),
        custom_payload: Vec::new(),
    };

    fn flags(&self) -> u8 {
        let mut flags = FrameFlags::default();
        flags.set(FrameFlags::TRACING, self.tracing_id.is_some());
        flags.set(FrameFlags::WARNING, !self.warnings.is_empty());
        flags.set(FrameFlags::CUSTOM_PAYLOAD, !self.custom_payload.is_empty());
        flags.0
    }

    fn write_prefix(&self, out: &mut Vec<u8>) {
        if let Some(id) = &self.tracing_id {
            out.extend_from_slice(id);
        }
        if !self.warnings.is_empty() {
            wire::write_string_list(out, &self.warnings);
        }
        if !self.custom_payload.is_empty() {
            wire::write_bytes_map(out, &self.custom_payload);
        }
    }

    /// Reads the prefix of a decompressed response body; returns the rest.
    pub fn decode<'a>(
        header: &FrameHeader,
        mut body: &'a [u8],
    ) -> Result<(Self, &'a [u8]), DecodeError> {
        let mut extras = ResponseExtras::default();
        if header.flags.has(FrameFlags::TRACING) {
            extras.tracing_id = Some(wire::read_uuid(&mut body)?);
        }
        if header.flags.has(FrameFlags::WARNING) {
            extras.warnings = wire::read_string_list(&mut body)?
                .into_iter()
                .map(str::to_owned)
                .collect();
        }
        if header.flags.has(FrameFlags::CUSTOM_PAYLOAD) {
            extras.custom_payload = wire::read_bytes_map(&mut body)?
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.map(<[u8]>::to_vec)))
                .collect();
        }
        Ok((extras, body))
    }
}

/// Where a frame goes and how it is wrapped.
#[derive(Debug, Clone, Copy)]
pub struct FrameTarget {
    pub version: Version,
    pub is_response: bool,
    pub stream: i16,
    /// Body compression for v3/v4; must be `None` for v5, where segments compress.
    pub compression: Option<Compression>,
}

/// Appends one whole frame to `out`: header, optional extras, then the message
/// written by `message`. With compression, the body goes through `scratch`
/// (kept by the caller so its capacity is reused across frames).
///
/// `tracing_request` sets the tracing flag on a request frame.
pub fn encode_frame(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    target: FrameTarget,
    opcode: Opcode,
    extras: &ResponseExtras,
    tracing_request: bool,
    message: impl FnOnce(&mut Vec<u8>),
) {
    let mut flags = FrameFlags(extras.flags());
    if tracing_request {
        flags.set(FrameFlags::TRACING, true);
    }
    let header_at = out.len();
    out.extend_from_slice(&[0u8; HEADER_LEN]);
    match target.compression {
        None => {
            extras.write_prefix(out);
            message(out);
        }
        Some(compression) => {
            scratch.clear();
            extras.write_prefix(scratch);
            message(scratch);
            flags.set(FrameFlags::COMPRESSION, true);
            compression.compress(scratch, out);
        }
    }
    let length = u32::try_from(out.len() - header_at - HEADER_LEN)
        .unwrap_or_else(|_| panic!("frame body over 4 GiB"));
    let header = FrameHeader {
        version: target.version,
        is_response: target.is_response,
        flags,
        stream: target.stream,
        opcode,
        length,
    };
    if let Some(slot) = out.get_mut(header_at..header_at + HEADER_LEN) {
        slot.copy_from_slice(&header.to_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_round_trip_through_a_compressed_frame() {
        let extras = ResponseExtras {
            tracing_id: Some([9u8; 16]),
            warnings: vec!["Aggregation query used without partition key".into()],
            custom_payload: vec![("k".into(), Some(b"v".to_vec()))],
        };
        let target = FrameTarget {
            version: Version::V4,
            is_response: true,
            stream: 3,
            compression: Some(Compression::Lz4),
        };
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        encode_frame(
            &mut out,
            &mut scratch,
            target,
            Opcode::Ready,
            &extras,
            false,
            |_| {},
        );
        let head: &[u8; HEADER_LEN] = out.first_chunk().expect("header");
        let header = FrameHeader::parse(head).expect("parse");
        assert!(header.flags.has(FrameFlags::COMPRESSION));
        let body = Compression::Lz4
            .decompress(out.get(HEADER_LEN..).expect("body"), 1 << 20)
            .expect("lz4");
        let (decoded, rest) = ResponseExtras::decode(&header, &body).expect("extras");
        assert_eq!(decoded, extras);
        assert!(rest.is_empty());
    }
}
