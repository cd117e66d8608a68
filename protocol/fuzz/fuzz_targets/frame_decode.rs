//! Frame decoding as the server does it: header, optional decompression,
//! envelope, request body. Any input must give a value or an error, never a
//! panic, and a decoded request re-encodes to a stable form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sibyl_protocol::frame::{decode_request_envelope, HEADER_LEN};
use sibyl_protocol::request::Request;
use sibyl_protocol::response::Response;
use sibyl_protocol::{Compression, FrameFlags, FrameHeader};

fuzz_target!(|data: &[u8]| {
    let Some(head) = data.first_chunk::<HEADER_LEN>() else { return };
    let Ok(header) = FrameHeader::parse(head) else { return };
    let body = &data[HEADER_LEN..];
    let decompressed;
    let body = if header.flags.has(FrameFlags::COMPRESSION) {
        let c = if header.stream % 2 == 0 { Compression::Lz4 } else { Compression::Snappy };
        match c.decompress(body, 1 << 20) {
            Ok(b) => {
                decompressed = b;
                &decompressed[..]
            }
            Err(_) => return,
        }
    } else {
        body
    };
    if header.is_response {
        let _ = Response::decode(header.version, header.opcode, body);
        return;
    }
    let Ok(envelope) = decode_request_envelope(&header, body) else { return };
    if let Ok(request) = Request::decode(header.version, header.opcode, envelope.message) {
        let mut out = Vec::new();
        request.encode(header.version, &mut out);
        // Inputs may be non-canonical; what we write must be stable.
        let again = Request::decode(header.version, header.opcode, &out).expect("re-encoded request decodes");
        let mut out2 = Vec::new();
        again.encode(header.version, &mut out2);
        assert_eq!(out2, out);
    }
});
