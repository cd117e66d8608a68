//! `sibyl-nodetool`: Cassandra's `nodetool` for Sibyl, over the node's REST
//! admin API (ScyllaDB's paths, port 10000) instead of JMX.
//!
//! Implemented: `flush`, `compact`, `status`, `info`, `snapshot`, `version`,
//! printing what nodetool prints. Any other nodetool command is recognised and
//! refused with a clear message and exit status 1.

pub mod client;
pub mod format;

use std::io::Write;

use clap::{ArgAction, Parser, Subcommand};

use client::{ApiClient, ClientError, encode};

#[derive(Debug, Parser)]
#[command(
    name = "sibyl-nodetool",
    version,
    about = "nodetool for Sibyl, over the REST admin API",
    disable_help_flag = true
)]
pub struct Cli {
    /// Node address.
    #[arg(short = 'h', long, default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// REST API port of the node.
    #[arg(short = 'p', long, default_value_t = 10000, global = true)]
    pub port: u16,
    /// Print help.
    #[arg(long, action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Flush one or more tables (all keyspaces if none is given).
    Flush {
        keyspace: Option<String>,
        tables: Vec<String>,
    },
    /// Force a major compaction of one or more tables.
    Compact {
        keyspace: Option<String>,
        tables: Vec<String>,
    },
    /// Print cluster information (state, load, IDs, ...).
    Status {
        /// Keyspace for effective ownership (accepted, single node: 100%).
        keyspace: Option<String>,
    },
    /// Print node information (uptime, load, ...).
    Info {
        /// Show all tokens.
        #[arg(short = 'T', long)]
        tokens: bool,
    },
    /// Take a snapshot of the given keyspaces (all if none).
    Snapshot {
        /// Snapshot name; default: the current time in milliseconds.
        #[arg(short = 't', long = "tag")]
        tag: Option<String>,
        keyspaces: Vec<String>,
    },
    /// Print the Cassandra release version the node reports.
    Version,
    /// Any other nodetool command: refused.
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodetoolError {
    #[error(transparent)]
    Api(#[from] ClientError),
    #[error("nodetool command '{0}' is not implemented by sibyl-nodetool")]
    Unsupported(String),
    #[error("The keyspace {0}, does not exist")]
    UnknownKeyspace(String),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

impl NodetoolError {
    /// nodetool exits 1 on every failure.
    pub fn exit_code(&self) -> i32 {
        1
    }
}

fn tables_query(tables: &[String]) -> String {
    if tables.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = tables.iter().map(|t| encode(t)).collect();
        format!("?cf={}", list.join(","))
    }
}

/// Flush or compact: one keyspace, or every keyspace when none is named.
fn per_keyspace(
    api: &ApiClient,
    action: &str,
    keyspace: Option<&str>,
    tables: &[String],
) -> Result<(), NodetoolError> {
    let keyspaces = match keyspace {
        Some(ks) => vec![ks.to_owned()],
        None => api.get_strings("/storage_service/keyspaces")?,
    };
    for ks in keyspaces {
        api.post(&format!(
            "/storage_service/{action}/{}{}",
            encode(&ks),
            tables_query(tables)
        ))?;
    }
    Ok(())
}

/// Runs one command against the node, printing to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), NodetoolError> {
    let api = ApiClient::new(&cli.host, cli.port);
    match &cli.command {
        Command::Flush { keyspace, tables } => {
            per_keyspace(&api, "keyspace_flush", keyspace.as_deref(), tables)
        }
        Command::Compact { keyspace, tables } => {
            per_keyspace(&api, "keyspace_compaction", keyspace.as_deref(), tables)
        }
        Command::Version => {
            let version = api.get_string("/storage_service/release_version")?;
            writeln!(out, "ReleaseVersion: {version}")?;
            Ok(())
        }
        Command::Status { keyspace } => {
            let status = format::NodeStatus::fetch(&api)?;
            if let Some(ks) = keyspace {
                let known = api.get_strings("/storage_service/keyspaces")?;
                if !known.contains(ks) {
                    return Err(NodetoolError::UnknownKeyspace(ks.clone()));
                }
            }
            out.write_all(status.render_status().as_bytes())?;
            Ok(())
        }
        Command::Info { tokens } => {
            let status = format::NodeStatus::fetch(&api)?;
            out.write_all(status.render_info(*tokens).as_bytes())?;
            Ok(())
        }
        Command::Snapshot { tag, keyspaces } => {
            let mut path = String::from("/storage_service/snapshots");
            let mut params = Vec::new();
            if let Some(tag) = tag {
                params.push(format!("tag={}", encode(tag)));
            }
            if !keyspaces.is_empty() {
                let list: Vec<String> = keyspaces.iter().map(|k| encode(k)).collect();
                params.push(format!("kn={}", list.join(",")));
            }
            if !params.is_empty() {
                path.push('?');
                path.push_str(&params.join("&"));
            }
            let name = match api.post(&path)? {
                serde_json::Value::String(s) => s,
                other => tag.clone().unwrap_or_else(|| other.to_string()),
            };
            let which = if keyspaces.is_empty() {
                "all keyspaces".to_owned()
            } else {
                keyspaces.join(", ")
            };
            writeln!(
                out,
                "Requested creating snapshot(s) for [{which}] with snapshot name [{name}] and options {{skipFlush=false}}"
            )?;
            writeln!(out, "Snapshot directory: {name}")?;
            Ok(())
        }
        Command::Other(args) => Err(NodetoolError::Unsupported(
            args.first().cloned().unwrap_or_default(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_use_nodetool_short_flags() {
        let cli = Cli::parse_from([
            "sibyl-nodetool",
            "-h",
            "127.0.0.2",
            "-p",
            "7",
            "flush",
            "ks",
            "t1",
            "t2",
        ]);
        assert_eq!((cli.host.as_str(), cli.port), ("127.0.0.2", 7));
        match cli.command {
            Command::Flush { keyspace, tables } => {
                assert_eq!(keyspace.as_deref(), Some("ks"));
                assert_eq!(tables, ["t1", "t2"]);
            }
            other => panic!("parsed {other:?}"),
        }
    }

    #[test]
    fn other_nodetool_commands_are_refused() {
        let cli = Cli::parse_from(["sibyl-nodetool", "-p", "1", "tpstats"]);
        let err = run(&cli, &mut Vec::new()).expect_err("unsupported");
        assert!(
            err.to_string().contains("'tpstats' is not implemented"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn table_lists_become_cf_parameters() {
        assert_eq!(tables_query(&[]), "");
        assert_eq!(tables_query(&["a".into(), "b c".into()]), "?cf=a,b%20c");
    }
}
