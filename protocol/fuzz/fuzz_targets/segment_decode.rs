//! v5 segment decoding, plain and lz4: never a panic, and a segment that
//! decodes re-encodes to one that decodes to the same payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sibyl_protocol::frame::segment::{read_segment, write_segment, SegmentCodec};

fuzz_target!(|data: &[u8]| {
    for codec in [SegmentCodec::Plain, SegmentCodec::Lz4] {
        if let Ok(Some((segment, used))) = read_segment(data, codec) {
            assert!(used <= data.len());
            let mut out = Vec::new();
            write_segment(&mut out, codec, &segment.payload, segment.self_contained);
            let (again, _) = read_segment(&out, codec).expect("valid").expect("complete");
            assert_eq!(again, segment);
        }
    }
});
