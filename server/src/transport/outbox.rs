//! Responses waiting for the socket. Request tasks encode their frames here;
//! the connection's writer takes everything pending in one go and sends it
//! with one write, so many responses share a syscall.
//!
//! On a v5 connection the frames after READY are wrapped into segments at
//! take time, which also lets small frames share one segment.

use sibyl_protocol::Version;
use sibyl_protocol::frame::segment::{SegmentCodec, write_frames};
use sibyl_protocol::frame::{Compression, FrameTarget, ResponseExtras, encode_frame};
use sibyl_protocol::response::Response;

#[derive(Debug, Default)]
pub struct Outbox {
    frames: Vec<u8>,
    frame_ends: Vec<usize>,
    /// Where segment framing starts in `frames`, once enabled.
    segments_from: Option<usize>,
    codec: Option<SegmentCodec>,
    scratch: Vec<u8>,
}

impl Outbox {
    /// Encodes one response frame. `compression` applies to v3/v4 bodies only.
    pub fn push(
        &mut self,
        version: Version,
        stream: i16,
        compression: Option<Compression>,
        response: &Response,
        extras: &ResponseExtras,
    ) {
        let compression = if version >= Version::V5 {
            None
        } else {
            compression
        };
        let target = FrameTarget {
            version,
            is_response: true,
            stream,
            compression,
        };
        encode_frame(
            &mut self.frames,
            &mut self.scratch,
            target,
            response.opcode(),
            extras,
            false,
            |out| response.encode(version, out),
        );
        self.frame_ends.push(self.frames.len());
    }

    /// Every frame pushed from now on travels in segments.
    pub fn enable_segments(&mut self, codec: SegmentCodec) {
        self.codec = Some(codec);
        self.segments_from = Some(self.frames.len());
    }

    pub fn pending_bytes(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Moves everything pending into `wire` (cleared first) in its on-wire form.
    pub fn take(&mut self, wire: &mut Vec<u8>) {
        wire.clear();
        match (self.codec, self.segments_from) {
            (Some(codec), Some(from)) => {
                wire.extend_from_slice(self.frames.get(..from).unwrap_or_default());
                let rest = self.frames.get(from..).unwrap_or_default();
                let ends: Vec<usize> = self
                    .frame_ends
                    .iter()
                    .filter(|&&end| end > from)
                    .map(|&end| end - from)
                    .collect();
                write_frames(wire, codec, rest, &ends);
                self.frames.clear();
                self.segments_from = Some(0);
            }
            _ => std::mem::swap(&mut self.frames, wire),
        }
        self.frames.clear();
        self.frame_ends.clear();
    }
}
