//! Frames (spec §2): a 9-byte header followed by a body of `length` bytes.
//!
//! ## Format
//! ```text
//! 0         8        16                24        32         40..72
//! | version | flags  | stream (i16 BE)  | opcode | length (u32 BE) |
//! ```
//! The version byte's top bit is the direction (0 request, 1 response); the
//! low seven bits are the protocol version. v5 frames travel inside segments
//! once the connection is past STARTUP (see [`segment`]).

pub mod compression;
mod envelope;
mod header;
pub mod segment;

pub use compression::Compression;
pub use envelope::{
    FrameTarget, RequestEnvelope, ResponseExtras, decode_request_envelope, encode_frame,
};
pub use header::{FrameFlags, FrameHeader, HEADER_LEN, HeaderError, Opcode, RawHeader, Version};
