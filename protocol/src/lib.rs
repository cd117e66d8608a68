//! The CQL native protocol, versions 3, 4 and 5, in both directions.
//!
//! Pure: no sockets, no runtime. The server, tests and tools all speak the
//! protocol through these types, so every message has an encoder and a decoder.
//!
//! - [`frame`]: the 9-byte frame header, body compression (lz4, snappy) and the
//!   v5 segment layer (CRC24 header, CRC32 payload, lz4 segments).
//! - [`request`] and [`response`]: one module per opcode.
//! - [`types`]: type descriptors (`[option]`) and value codecs for every CQL type.
//! - [`wire`]: the spec's primitive notations (`[int]`, `[string]`, `[value]`, ...).

pub mod consistency;
pub mod error;
pub mod frame;
pub mod request;
pub mod response;
pub mod types;
pub mod wire;

pub use consistency::Consistency;
pub use error::DecodeError;
pub use frame::{Compression, FrameFlags, FrameHeader, Opcode, Version};
