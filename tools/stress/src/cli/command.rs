//! The command word and its arguments: `n=`, `duration=`, `cl=`, `no-warmup`,
//! `ratio(...)`, `ops(...)`, `profile=`, `verify`.

use std::path::PathBuf;
use std::time::Duration;

use super::{
    ColumnSettings, CommandKind, ConsistencyName, ErrorSettings, LogSettings, ModeSettings,
    RateMode, RateSettings, SchemaSettings, Settings,
};
use crate::error::StressError;
use crate::generate::distribution::parse_long;
use crate::generate::{DistSpec, Population};

pub(super) fn parse_command_name(word: &str) -> Result<CommandKind, StressError> {
    Ok(match word.to_ascii_lowercase().as_str() {
        "write" => CommandKind::Write,
        "read" => CommandKind::Read,
        "mixed" => CommandKind::Mixed,
        "counter_write" | "counterwrite" => CommandKind::CounterWrite,
        "counter_read" | "counterread" => CommandKind::CounterRead,
        "user" => CommandKind::User,
        _ => return Err(StressError::usage(format!("Unknown command: {word}"))),
    })
}

pub(super) fn defaults(command: CommandKind) -> Settings {
    Settings {
        command,
        op_count: None,
        duration: None,
        consistency: ConsistencyName::LocalOne,
        warmup: true,
        ratio: Vec::new(),
        profile: None,
        verify: false,
        rate: RateSettings {
            mode: RateMode::Unlimited,
            threads: 4,
            auto_ramp: true,
            threads_max: 1000,
        },
        nodes: vec!["localhost".into()],
        port: 9042,
        population: Population::Sequence {
            first: 1,
            last: 1_000_000,
        },
        columns: ColumnSettings {
            count: 5,
            per_row: DistSpec::fixed(5),
            size: DistSpec::fixed(34),
            names: (0..5).map(|i| format!("C{i}")).collect(),
        },
        schema: SchemaSettings {
            keyspace: "keyspace1".into(),
            replication_strategy: "org.apache.cassandra.locator.SimpleStrategy".into(),
            replication_options: Vec::new(),
            compaction_strategy: None,
            compaction_options: Vec::new(),
            compression: None,
        },
        mode: ModeSettings::default(),
        log: LogSettings {
            hdr_file: None,
            json_file: None,
            interval: Duration::from_secs(1),
        },
        graph: None,
        errors: ErrorSettings {
            ignore: false,
            retries: 9,
        },
        seed: 0x5eed,
    }
}

/// `30s`, `5m`, `1h`, `100ms`, or bare seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => return None,
    };
    (seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

fn parse_consistency(text: &str) -> Result<ConsistencyName, StressError> {
    Ok(match text.to_ascii_uppercase().as_str() {
        "ANY" => ConsistencyName::Any,
        "ONE" => ConsistencyName::One,
        "TWO" => ConsistencyName::Two,
        "THREE" => ConsistencyName::Three,
        "QUORUM" => ConsistencyName::Quorum,
        "ALL" => ConsistencyName::All,
        "LOCAL_QUORUM" => ConsistencyName::LocalQuorum,
        "EACH_QUORUM" => ConsistencyName::EachQuorum,
        "LOCAL_ONE" => ConsistencyName::LocalOne,
        _ => {
            return Err(StressError::usage(format!(
                "Invalid consistency level: {text}"
            )));
        }
    })
}

/// `name(a=1,b=2.5)` → `[("a", 1.0), ("b", 2.5)]`.
pub(super) fn parse_weights(word: &str, prefix: &str) -> Result<Vec<(String, f64)>, StressError> {
    let bad = || StressError::usage(format!("Invalid {prefix} specification: {word}"));
    let inner = word
        .get(prefix.len()..)
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(bad)?;
    let mut weights = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part.split_once('=').ok_or_else(bad)?;
        let weight: f64 = weight.trim().parse().map_err(|_| bad())?;
        if weight < 0.0 {
            return Err(bad());
        }
        weights.push((name.trim().to_ascii_lowercase(), weight));
    }
    if weights.is_empty() || weights.iter().all(|(_, w)| *w == 0.0) {
        return Err(bad());
    }
    Ok(weights)
}

pub(super) fn apply_command_args(
    settings: &mut Settings,
    args: &[&str],
) -> Result<(), StressError> {
    for arg in args {
        let lower = arg.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("n=") {
            let n = parse_long(v)
                .filter(|n| *n > 0)
                .ok_or_else(|| StressError::usage(format!("Invalid value for n=: {v}")))?;
            settings.op_count = Some(n as u64);
        } else if let Some(v) = lower.strip_prefix("duration=") {
            let duration = parse_duration(v)
                .ok_or_else(|| StressError::usage(format!("Invalid duration: {v}")))?;
            settings.duration = Some(duration);
        } else if lower.starts_with("cl=") {
            settings.consistency = parse_consistency(arg.get(3..).unwrap_or_default())?;
        } else if lower == "no-warmup" {
            settings.warmup = false;
        } else if lower == "verify" {
            settings.verify = true;
        } else if lower.starts_with("ratio(") {
            settings.ratio = parse_weights(arg, "ratio")?;
        } else if lower.starts_with("ops(") {
            settings.ratio = parse_weights(arg, "ops")?;
        } else if lower.starts_with("profile=") {
            settings.profile = arg.get("profile=".len()..).map(PathBuf::from);
        } else if lower.starts_with("err<") {
            return Err(StressError::usage(
                "err< is not supported; use n= or duration=",
            ));
        } else {
            return Err(StressError::usage(format!(
                "Invalid {} options provided: unrecognised option {arg}",
                settings.command.name()
            )));
        }
    }
    if settings.op_count.is_some() && settings.duration.is_some() {
        return Err(StressError::usage("Cannot specify both n= and duration="));
    }
    if settings.op_count.is_none() && settings.duration.is_none() {
        return Err(StressError::usage(
            "One of n= or duration= must be specified",
        ));
    }
    match settings.command {
        CommandKind::User if settings.profile.is_none() => {
            return Err(StressError::usage("user command requires profile=FILE"));
        }
        CommandKind::User if settings.ratio.is_empty() => {
            return Err(StressError::usage("user command requires ops(...)"));
        }
        CommandKind::Mixed => {
            for (name, _) in &settings.ratio {
                if name != "read" && name != "write" {
                    return Err(StressError::usage(format!(
                        "Invalid ratio: unknown operation {name}; mixed supports read and write"
                    )));
                }
            }
        }
        _ => {}
    }
    if settings.verify && !matches!(settings.command, CommandKind::Read | CommandKind::Mixed) {
        return Err(StressError::usage(
            "verify is only valid for read and mixed",
        ));
    }
    let limit = settings.op_count.map_or(1_000_000, |n| n as i64);
    let insert_only = settings.command == CommandKind::User
        && settings.ratio.iter().all(|(name, _)| name == "insert");
    settings.population = match settings.command {
        CommandKind::Write | CommandKind::CounterWrite => Population::Sequence {
            first: 1,
            last: limit,
        },
        _ if insert_only => Population::Sequence {
            first: 1,
            last: limit,
        },
        _ => Population::Distribution(DistSpec::parse(&format!("gaussian(1..{limit})"))?),
    };
    Ok(())
}
