//! cassandra-stress's command language.
//!
//! ```text
//! sibyl-stress COMMAND [command args] [-OPTION [option args]]...
//! sibyl-stress write n=1M cl=QUORUM -rate threads=64 fixed=20000/s -node 10.0.0.1
//! sibyl-stress compare a.json b.json
//! ```
//! A command's arguments run until the first word starting with `-`; each
//! option then takes the words up to the next option. Errors read like
//! cassandra-stress's (`Invalid -rate options provided, see output for valid options`).

mod command;
mod options;

use std::path::PathBuf;
use std::time::Duration;

use crate::error::StressError;
use crate::generate::{DistSpec, Population};

pub use command::parse_duration;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Write,
    Read,
    Mixed,
    CounterWrite,
    CounterRead,
    User,
}

impl CommandKind {
    pub fn name(self) -> &'static str {
        match self {
            CommandKind::Write => "write",
            CommandKind::Read => "read",
            CommandKind::Mixed => "mixed",
            CommandKind::CounterWrite => "counter_write",
            CommandKind::CounterRead => "counter_read",
            CommandKind::User => "user",
        }
    }
}

/// Consistency levels by their CQL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsistencyName {
    Any,
    One,
    Two,
    Three,
    Quorum,
    All,
    LocalQuorum,
    EachQuorum,
    LocalOne,
}

/// How operations are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateMode {
    /// As fast as `threads` concurrent operations allow.
    Unlimited,
    /// Paced at `ops_per_s`; latency measured from each operation's intended
    /// start (coordinated omission corrected).
    Fixed { ops_per_s: f64 },
    /// Paced at `ops_per_s`; latency measured from the actual start only.
    Throttle { ops_per_s: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateSettings {
    pub mode: RateMode,
    /// Concurrent operations (cassandra-stress "threads"; here async tasks).
    pub threads: u32,
    /// `threads>=N` / `auto`: ramp from `threads` up to `threads_max`.
    pub auto_ramp: bool,
    pub threads_max: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSettings {
    /// Columns of the table: the maximum of `per_row`.
    pub count: usize,
    /// `-col n=DIST`: columns written per row (the first ones).
    pub per_row: DistSpec,
    pub size: DistSpec,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaSettings {
    pub keyspace: String,
    pub replication_strategy: String,
    pub replication_options: Vec<(String, String)>,
    pub compaction_strategy: Option<String>,
    pub compaction_options: Vec<(String, String)>,
    pub compression: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModeSettings {
    pub user: Option<String>,
    pub password: Option<String>,
    pub connections_per_host: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogSettings {
    pub hdr_file: Option<PathBuf>,
    pub json_file: Option<PathBuf>,
    pub interval: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphSettings {
    pub file: PathBuf,
    pub title: Option<String>,
    pub revision: Option<String>,
    pub op_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSettings {
    pub ignore: bool,
    pub retries: u32,
}

/// Every setting of a stress run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub command: CommandKind,
    pub op_count: Option<u64>,
    pub duration: Option<Duration>,
    pub consistency: ConsistencyName,
    pub warmup: bool,
    /// Operation weights: `ratio(write=1,read=3)` or `ops(insert=1,q1=3)`.
    pub ratio: Vec<(String, f64)>,
    pub profile: Option<PathBuf>,
    /// `read ... verify`: check values against the generator.
    pub verify: bool,
    pub rate: RateSettings,
    pub nodes: Vec<String>,
    pub port: u16,
    pub population: Population,
    pub columns: ColumnSettings,
    pub schema: SchemaSettings,
    pub mode: ModeSettings,
    pub log: LogSettings,
    pub graph: Option<GraphSettings>,
    pub errors: ErrorSettings,
    /// Seed of the worker generators (distributions, op choice).
    pub seed: u64,
}

impl Settings {
    /// Parses a command line (without the program name).
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Self, StressError> {
        let words: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let (command_word, rest) = words
            .split_first()
            .ok_or_else(|| StressError::usage("No command provided"))?;
        let command = command::parse_command_name(command_word)?;
        let split = rest
            .iter()
            .position(|w| w.starts_with('-'))
            .unwrap_or(rest.len());
        let (command_args, option_words) = rest.split_at(split);
        let mut settings = command::defaults(command);
        command::apply_command_args(&mut settings, command_args)?;
        let groups = group_options(option_words)?;
        options::apply(&mut settings, &groups)?;
        Ok(settings)
    }

    /// The operation weights with defaults filled in.
    pub fn op_weights(&self) -> Vec<(String, f64)> {
        if !self.ratio.is_empty() {
            return self.ratio.clone();
        }
        match self.command {
            CommandKind::Mixed => vec![("write".into(), 1.0), ("read".into(), 1.0)],
            CommandKind::Write => vec![("write".into(), 1.0)],
            CommandKind::Read => vec![("read".into(), 1.0)],
            CommandKind::CounterWrite => vec![("counter_write".into(), 1.0)],
            CommandKind::CounterRead => vec![("counter_read".into(), 1.0)],
            CommandKind::User => Vec::new(),
        }
    }
}

/// Splits `-name a b -other c` into `[("-name", [a, b]), ("-other", [c])]`.
fn group_options<'a>(words: &[&'a str]) -> Result<Vec<(&'a str, Vec<&'a str>)>, StressError> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for word in words {
        if word.starts_with('-') {
            let name = word.to_ascii_lowercase();
            if groups.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                return Err(StressError::usage(format!(
                    "{word} is defined multiple times"
                )));
            }
            groups.push((word, Vec::new()));
        } else if let Some((_, params)) = groups.last_mut() {
            params.push(word);
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests;
