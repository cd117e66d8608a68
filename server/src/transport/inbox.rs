//! Bytes in from the socket, frames out. Before v5 framing starts, frames lie
//! directly in the byte stream; after it, the stream is a run of segments whose
//! payloads concatenate into frames.
//!
//! Bounds: the read buffer grows only to hold one frame, and a frame may not
//! exceed `max_frame_size_bytes` (header included).

use sibyl_protocol::frame::segment::{SegmentCodec, SegmentError, read_segment};
use sibyl_protocol::frame::{FrameHeader, HEADER_LEN, HeaderError};

/// Bytes read from the socket per call, at least.
const READ_CHUNK: usize = 64 << 10;

/// A byte buffer consumed from the front and filled at the back.
#[derive(Debug, Default)]
struct ByteQueue {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl ByteQueue {
    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Room for at least `min` more bytes at the back.
    fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.buf.len() - self.end < min {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < min {
                self.buf.resize(self.end + min, 0);
            }
        }
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    fn extend(&mut self, bytes: &[u8]) {
        let spare = self.spare(bytes.len());
        if let Some(dst) = spare.get_mut(..bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.commit(bytes.len());
    }

    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Why the inbox cannot go on. All are fatal for the connection.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(transparent)]
    Header(HeaderError),
    #[error("Request is too big: length {length} exceeds maximum allowed length {max}.")]
    TooLarge {
        header: FrameHeader,
        length: usize,
        max: usize,
    },
    #[error(transparent)]
    Segment(SegmentError),
}

#[derive(Debug)]
pub struct Inbox {
    raw: ByteQueue,
    /// Reassembled frame bytes, once segments are on.
    frames: ByteQueue,
    segments: Option<SegmentCodec>,
    max_frame_size_bytes: usize,
}

impl Inbox {
    pub fn new(max_frame_size_bytes: usize) -> Self {
        Self {
            raw: ByteQueue::default(),
            frames: ByteQueue::default(),
            segments: None,
            max_frame_size_bytes,
        }
    }

    /// Where the next socket read should land.
    pub fn read_buffer(&mut self) -> &mut [u8] {
        self.raw.spare(READ_CHUNK)
    }

    pub fn commit_read(&mut self, n: usize) {
        self.raw.commit(n);
    }

    /// From now on the byte stream carries segments (v5 after STARTUP).
    pub fn enable_segments(&mut self, codec: SegmentCodec) {
        self.segments = Some(codec);
    }

    pub fn has_partial_input(&self) -> bool {
        self.raw.len() > 0 || self.frames.len() > 0
    }

    /// The next complete frame, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<(FrameHeader, Vec<u8>)>, InboxError> {
        if let Some(codec) = self.segments {
            // Unpack segments only until a frame is complete, so a flood of
            // segments cannot grow `frames` past one frame plus one segment.
            loop {
                if let Some(frame) = Self::take_frame(&mut self.frames, self.max_frame_size_bytes)?
                {
                    return Ok(Some(frame));
                }
                match read_segment(self.raw.data(), codec).map_err(InboxError::Segment)? {
                    Some((segment, used)) => {
                        self.raw.consume(used);
                        self.frames.extend(&segment.payload);
                    }
                    None => return Ok(None),
                }
            }
        }
        Self::take_frame(&mut self.raw, self.max_frame_size_bytes)
    }

    fn take_frame(
        queue: &mut ByteQueue,
        max: usize,
    ) -> Result<Option<(FrameHeader, Vec<u8>)>, InboxError> {
        let Some(head) = queue.data().first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let header = FrameHeader::parse(head).map_err(InboxError::Header)?;
        let length = header.length as usize;
        if length.saturating_add(HEADER_LEN) > max {
            return Err(InboxError::TooLarge {
                header,
                length,
                max,
            });
        }
        let Some(body) = queue.data().get(HEADER_LEN..HEADER_LEN + length) else {
            return Ok(None);
        };
        let body = body.to_vec();
        queue.consume(HEADER_LEN + length);
        Ok(Some((header, body)))
    }
}

#[cfg(test)]
mod tests {
    use sibyl_protocol::frame::segment::write_frames;
    use sibyl_protocol::frame::{FrameFlags, Opcode, Version};

    use super::*;

    fn frame(stream: i16, body: &[u8]) -> Vec<u8> {
        let header = FrameHeader {
            version: Version::V5,
            is_response: false,
            flags: FrameFlags::default(),
            stream,
            opcode: Opcode::Options,
            length: body.len() as u32,
        };
        let mut out = header.to_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    fn feed(inbox: &mut Inbox, bytes: &[u8]) {
        for chunk in bytes.chunks(7) {
            let dst = inbox.read_buffer();
            dst[..chunk.len()].copy_from_slice(chunk);
            inbox.commit_read(chunk.len());
        }
    }

    #[test]
    fn frames_arrive_whole_across_arbitrary_read_boundaries() {
        let mut inbox = Inbox::new(1 << 20);
        let mut bytes = frame(1, b"abc");
        bytes.extend(frame(2, b""));
        feed(&mut inbox, &bytes);
        assert_eq!(inbox.next_frame().expect("ok").expect("frame").0.stream, 1);
        assert_eq!(inbox.next_frame().expect("ok").expect("frame").0.stream, 2);
        assert!(inbox.next_frame().expect("ok").is_none());
    }

    #[test]
    fn segmented_frames_are_reassembled() {
        let big = vec![9u8; 300_000];
        let (a, b) = (frame(1, b"x"), frame(2, &big));
        let mut frames = a.clone();
        frames.extend(&b);
        let mut wire = Vec::new();
        write_frames(
            &mut wire,
            SegmentCodec::Lz4,
            &frames,
            &[a.len(), a.len() + b.len()],
        );
        let mut inbox = Inbox::new(1 << 20);
        inbox.enable_segments(SegmentCodec::Lz4);
        feed(&mut inbox, &wire);
        let first = inbox.next_frame().expect("ok").expect("frame");
        assert_eq!(first.1, b"x");
        let second = inbox.next_frame().expect("ok").expect("frame");
        assert_eq!(second.1.len(), big.len());
        assert!(inbox.next_frame().expect("ok").is_none());
    }

    #[test]
    fn oversized_frame_is_refused_before_it_is_buffered() {
        let mut inbox = Inbox::new(1024);
        let mut bytes = frame(1, b"");
        bytes[5..9].copy_from_slice(&5000u32.to_be_bytes());
        feed(&mut inbox, &bytes);
        assert!(matches!(
            inbox.next_frame(),
            Err(InboxError::TooLarge { length: 5000, .. })
        ));
    }
}
