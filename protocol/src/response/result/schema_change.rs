//! SCHEMA_CHANGE (spec §4.2.5.5 and §4.2.6): `<change_type [string]>
//! <target [string]><options>`; the options name the keyspace, then for
//! TABLE and TYPE the object, for FUNCTION and AGGREGATE the name and the
//! argument types as a `[string list]`.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaChangeType {
    Created,
    Updated,
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChangeTarget {
    Keyspace {
        keyspace: String,
    },
    Table {
        keyspace: String,
        table: String,
    },
    Type {
        keyspace: String,
        type_name: String,
    },
    Function {
        keyspace: String,
        name: String,
        arg_types: Vec<String>,
    },
    Aggregate {
        keyspace: String,
        name: String,
        arg_types: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChange {
    pub change: SchemaChangeType,
    pub target: SchemaChangeTarget,
}

impl SchemaChange {
    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string(
            out,
            match self.change {
                SchemaChangeType::Created => "CREATED",
                SchemaChangeType::Updated => "UPDATED",
                SchemaChangeType::Dropped => "DROPPED",
            },
        );
        match &self.target {
            SchemaChangeTarget::Keyspace { keyspace } => {
                wire::write_string(out, "KEYSPACE");
                wire::write_string(out, keyspace);
            }
            SchemaChangeTarget::Table { keyspace, table } => {
                wire::write_string(out, "TABLE");
                wire::write_string(out, keyspace);
                wire::write_string(out, table);
            }
            SchemaChangeTarget::Type {
                keyspace,
                type_name,
            } => {
                wire::write_string(out, "TYPE");
                wire::write_string(out, keyspace);
                wire::write_string(out, type_name);
            }
            SchemaChangeTarget::Function {
                keyspace,
                name,
                arg_types,
            }
            | SchemaChangeTarget::Aggregate {
                keyspace,
                name,
                arg_types,
            } => {
                let target = if matches!(self.target, SchemaChangeTarget::Function { .. }) {
                    "FUNCTION"
                } else {
                    "AGGREGATE"
                };
                wire::write_string(out, target);
                wire::write_string(out, keyspace);
                wire::write_string(out, name);
                wire::write_string_list(out, arg_types);
            }
        }
    }

    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let change = match wire::read_string(buf)? {
            "CREATED" => SchemaChangeType::Created,
            "UPDATED" => SchemaChangeType::Updated,
            "DROPPED" => SchemaChangeType::Dropped,
            other => {
                return Err(DecodeError::Malformed(format!(
                    "unknown schema change type {other:?}"
                )));
            }
        };
        let target = wire::read_string(buf)?;
        let keyspace = wire::read_string(buf)?.to_owned();
        let target = match target {
            "KEYSPACE" => SchemaChangeTarget::Keyspace { keyspace },
            "TABLE" => SchemaChangeTarget::Table {
                keyspace,
                table: wire::read_string(buf)?.to_owned(),
            },
            "TYPE" => SchemaChangeTarget::Type {
                keyspace,
                type_name: wire::read_string(buf)?.to_owned(),
            },
            "FUNCTION" | "AGGREGATE" => {
                let name = wire::read_string(buf)?.to_owned();
                let arg_types = wire::read_string_list(buf)?
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                if target == "FUNCTION" {
                    SchemaChangeTarget::Function {
                        keyspace,
                        name,
                        arg_types,
                    }
                } else {
                    SchemaChangeTarget::Aggregate {
                        keyspace,
                        name,
                        arg_types,
                    }
                }
            }
            other => {
                return Err(DecodeError::Malformed(format!(
                    "unknown schema change target {other:?}"
                )));
            }
        };
        Ok(Self { change, target })
    }
}
