//! `[consistency]` (spec §3): a `[short]` naming a consistency level.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u16)]
pub enum Consistency {
    Any = 0x0000,
    #[default]
    One = 0x0001,
    Two = 0x0002,
    Three = 0x0003,
    Quorum = 0x0004,
    All = 0x0005,
    LocalQuorum = 0x0006,
    EachQuorum = 0x0007,
    Serial = 0x0008,
    LocalSerial = 0x0009,
    LocalOne = 0x000A,
}

impl Consistency {
    pub fn from_code(code: u16) -> Result<Self, DecodeError> {
        Ok(match code {
            0x0000 => Self::Any,
            0x0001 => Self::One,
            0x0002 => Self::Two,
            0x0003 => Self::Three,
            0x0004 => Self::Quorum,
            0x0005 => Self::All,
            0x0006 => Self::LocalQuorum,
            0x0007 => Self::EachQuorum,
            0x0008 => Self::Serial,
            0x0009 => Self::LocalSerial,
            0x000A => Self::LocalOne,
            other => return Err(DecodeError::UnknownConsistency(other)),
        })
    }

    pub fn code(self) -> u16 {
        self as u16
    }

    /// The name Cassandra prints in messages ("LOCAL_QUORUM").
    pub fn name(self) -> &'static str {
        match self {
            Self::Any => "ANY",
            Self::One => "ONE",
            Self::Two => "TWO",
            Self::Three => "THREE",
            Self::Quorum => "QUORUM",
            Self::All => "ALL",
            Self::LocalQuorum => "LOCAL_QUORUM",
            Self::EachQuorum => "EACH_QUORUM",
            Self::Serial => "SERIAL",
            Self::LocalSerial => "LOCAL_SERIAL",
            Self::LocalOne => "LOCAL_ONE",
        }
    }

    pub fn is_serial(self) -> bool {
        matches!(self, Self::Serial | Self::LocalSerial)
    }

    pub fn read(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Self::from_code(wire::read_short(buf)?)
    }

    pub fn write(self, out: &mut Vec<u8>) {
        wire::write_short(out, self.code());
    }
}

impl std::fmt::Display for Consistency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
