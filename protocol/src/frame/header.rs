//! The frame header (spec §2.1-2.5), parsed with zerocopy.

use zerocopy::byteorder::{BigEndian, I16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Bytes in a v3/v4/v5 frame header.
pub const HEADER_LEN: usize = 9;

/// The header exactly as it lies on the wire.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RawHeader {
    pub version: u8,
    pub flags: u8,
    pub stream: I16<BigEndian>,
    pub opcode: u8,
    pub length: U32<BigEndian>,
}

/// Protocol versions this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    V3 = 3,
    V4 = 4,
    V5 = 5,
}

impl Version {
    pub fn from_byte(version: u8) -> Option<Self> {
        match version & 0x7F {
            3 => Some(Self::V3),
            4 => Some(Self::V4),
            5 => Some(Self::V5),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn request_byte(self) -> u8 {
        self as u8
    }

    pub fn response_byte(self) -> u8 {
        0x80 | self as u8
    }
}

/// Header flags (spec §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFlags(pub u8);

impl FrameFlags {
    pub const COMPRESSION: u8 = 0x01;
    pub const TRACING: u8 = 0x02;
    pub const CUSTOM_PAYLOAD: u8 = 0x04;
    pub const WARNING: u8 = 0x08;
    pub const USE_BETA: u8 = 0x10;

    pub fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    pub fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.0 |= flag;
        } else {
            self.0 &= !flag;
        }
    }
}

/// Opcodes (spec §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    Error = 0x00,
    Startup = 0x01,
    Ready = 0x02,
    Authenticate = 0x03,
    Options = 0x05,
    Supported = 0x06,
    Query = 0x07,
    Result = 0x08,
    Prepare = 0x09,
    Execute = 0x0A,
    Register = 0x0B,
    Event = 0x0C,
    Batch = 0x0D,
    AuthChallenge = 0x0E,
    AuthResponse = 0x0F,
    AuthSuccess = 0x10,
}

impl Opcode {
    pub fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0x00 => Self::Error,
            0x01 => Self::Startup,
            0x02 => Self::Ready,
            0x03 => Self::Authenticate,
            0x05 => Self::Options,
            0x06 => Self::Supported,
            0x07 => Self::Query,
            0x08 => Self::Result,
            0x09 => Self::Prepare,
            0x0A => Self::Execute,
            0x0B => Self::Register,
            0x0C => Self::Event,
            0x0D => Self::Batch,
            0x0E => Self::AuthChallenge,
            0x0F => Self::AuthResponse,
            0x10 => Self::AuthSuccess,
            _ => return None,
        })
    }

    /// True for opcodes a client may send.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            Self::Startup
                | Self::Options
                | Self::Query
                | Self::Prepare
                | Self::Execute
                | Self::Register
                | Self::Batch
                | Self::AuthResponse
        )
    }
}

/// Why a header cannot be served. Each case carries what the reply needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error(
        "Invalid or unsupported protocol version ({version}); supported versions are (3/v3, 4/v4, 5/v5)"
    )]
    UnsupportedVersion { version: u8, stream: i16 },
    #[error("Unknown opcode {opcode:#04x}")]
    UnknownOpcode { opcode: u8, stream: i16 },
}

/// A parsed, validated header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub version: Version,
    pub is_response: bool,
    pub flags: FrameFlags,
    pub stream: i16,
    pub opcode: Opcode,
    pub length: u32,
}

impl FrameHeader {
    /// Parses the first [`HEADER_LEN`] bytes of `bytes` (which must hold at
    /// least that many). The version is checked before the opcode, so that
    /// any frame of an unknown version gets the version error.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Self, HeaderError> {
        let raw = RawHeader::read_from_bytes(bytes.as_slice())
            .unwrap_or_else(|_| unreachable!("RawHeader is exactly HEADER_LEN bytes"));
        let stream = raw.stream.get();
        let version = Version::from_byte(raw.version).ok_or(HeaderError::UnsupportedVersion {
            version: raw.version & 0x7F,
            stream,
        })?;
        let opcode = Opcode::from_byte(raw.opcode).ok_or(HeaderError::UnknownOpcode {
            opcode: raw.opcode,
            stream,
        })?;
        Ok(Self {
            version,
            is_response: raw.version & 0x80 != 0,
            flags: FrameFlags(raw.flags),
            stream,
            opcode,
            length: raw.length.get(),
        })
    }

    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let raw = RawHeader {
            version: if self.is_response {
                self.version.response_byte()
            } else {
                self.version.request_byte()
            },
            flags: self.flags.0,
            stream: I16::new(self.stream),
            opcode: self.opcode as u8,
            length: U32::new(self.length),
        };
        let mut out = [0u8; HEADER_LEN];
        out.copy_from_slice(raw.as_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header = FrameHeader {
            version: Version::V4,
            is_response: true,
            flags: FrameFlags(FrameFlags::TRACING | FrameFlags::WARNING),
            stream: -1,
            opcode: Opcode::Event,
            length: 0x0102_0304,
        };
        let bytes = header.to_bytes();
        assert_eq!(bytes, [0x84, 0x0A, 0xFF, 0xFF, 0x0C, 1, 2, 3, 4]);
        assert_eq!(FrameHeader::parse(&bytes), Ok(header));
    }

    #[test]
    fn unknown_version_is_reported_before_unknown_opcode() {
        let bytes = [0x42, 0, 0, 7, 0xEE, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::parse(&bytes),
            Err(HeaderError::UnsupportedVersion {
                version: 0x42,
                stream: 7
            })
        );
        let bytes = [0x04, 0, 0, 7, 0xEE, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::parse(&bytes),
            Err(HeaderError::UnknownOpcode {
                opcode: 0xEE,
                stream: 7
            })
        );
    }
}
