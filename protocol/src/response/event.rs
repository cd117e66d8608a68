//! EVENT (spec §4.2.6), pushed on stream -1 to connections that REGISTERed.

use std::net::SocketAddr;

use super::result::SchemaChange;
use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopologyChange {
    NewNode,
    RemovedNode,
    MovedNode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Up,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    TopologyChange {
        change: TopologyChange,
        address: SocketAddr,
    },
    StatusChange {
        change: StatusChange,
        address: SocketAddr,
    },
    SchemaChange(SchemaChange),
}

impl Event {
    /// The REGISTER name of this event's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::TopologyChange { .. } => "TOPOLOGY_CHANGE",
            Event::StatusChange { .. } => "STATUS_CHANGE",
            Event::SchemaChange(_) => "SCHEMA_CHANGE",
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string(out, self.type_name());
        match self {
            Event::TopologyChange { change, address } => {
                wire::write_string(
                    out,
                    match change {
                        TopologyChange::NewNode => "NEW_NODE",
                        TopologyChange::RemovedNode => "REMOVED_NODE",
                        TopologyChange::MovedNode => "MOVED_NODE",
                    },
                );
                wire::write_inet(out, *address);
            }
            Event::StatusChange { change, address } => {
                wire::write_string(
                    out,
                    if *change == StatusChange::Up {
                        "UP"
                    } else {
                        "DOWN"
                    },
                );
                wire::write_inet(out, *address);
            }
            Event::SchemaChange(change) => change.encode(out),
        }
    }

    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let kind = wire::read_string(buf)?;
        match kind {
            "TOPOLOGY_CHANGE" => {
                let change = match wire::read_string(buf)? {
                    "NEW_NODE" => TopologyChange::NewNode,
                    "REMOVED_NODE" => TopologyChange::RemovedNode,
                    "MOVED_NODE" => TopologyChange::MovedNode,
                    other => return Err(DecodeError::UnknownEvent(other.to_owned())),
                };
                Ok(Event::TopologyChange {
                    change,
                    address: wire::read_inet(buf)?,
                })
            }
            "STATUS_CHANGE" => {
                let change = match wire::read_string(buf)? {
                    "UP" => StatusChange::Up,
                    "DOWN" => StatusChange::Down,
                    other => return Err(DecodeError::UnknownEvent(other.to_owned())),
                };
                Ok(Event::StatusChange {
                    change,
                    address: wire::read_inet(buf)?,
                })
            }
            "SCHEMA_CHANGE" => Ok(Event::SchemaChange(SchemaChange::decode(buf)?)),
            other => Err(DecodeError::UnknownEvent(other.to_owned())),
        }
    }
}
