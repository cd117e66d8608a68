//! The `-option` groups: `-rate`, `-node`, `-port`, `-pop`, `-col`, `-schema`,
//! `-mode`, `-log`, `-graph`, `-errors`.

use std::path::PathBuf;

use super::{GraphSettings, RateMode, Settings};
use crate::cli::command::parse_duration;
use crate::error::StressError;
use crate::generate::{DistSpec, Population};

fn invalid(option: &str, detail: impl std::fmt::Display) -> StressError {
    StressError::usage(format!(
        "Invalid {option} options provided, see output for valid options ({detail})"
    ))
}

pub(super) fn apply(
    settings: &mut Settings,
    groups: &[(&str, Vec<&str>)],
) -> Result<(), StressError> {
    for (name, params) in groups {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "-rate" => rate(settings, params)?,
            "-node" => node(settings, params)?,
            "-port" => port(settings, params)?,
            "-pop" => population(settings, params)?,
            "-col" => columns(settings, params)?,
            "-schema" => schema(settings, params)?,
            "-mode" => mode(settings, params)?,
            "-log" => log(settings, params)?,
            "-graph" => graph(settings, params)?,
            "-errors" => errors(settings, params)?,
            "-seed" => {
                let seed = params
                    .first()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| invalid("-seed", "expected a number"))?;
                settings.seed = seed;
            }
            _ => return Err(StressError::usage(format!("Unrecognised option {name}"))),
        }
    }
    if settings.command == super::CommandKind::User
        && groups
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("-schema"))
    {
        return Err(StressError::usage(
            "-schema can only be provided with predefined operations insert, read, etc.; the 'user' command requires a schema yaml instead",
        ));
    }
    Ok(())
}

fn per_second(option: &str, text: &str) -> Result<f64, StressError> {
    let number = text.trim_end_matches("/s");
    let value = crate::generate::distribution::parse_long(number)
        .map(|v| v as f64)
        .or_else(|| number.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .ok_or_else(|| invalid(option, format!("bad rate {text}")))?;
    Ok(value)
}

fn count(option: &str, text: &str) -> Result<u32, StressError> {
    text.parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| invalid(option, format!("bad number {text}")))
}

fn rate(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    let rate = &mut settings.rate;
    let (mut threads, mut min, mut max, mut auto) = (None, None, None, false);
    for param in params {
        let lower = param.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("threads>=") {
            min = Some(count("-rate", v)?);
        } else if let Some(v) = lower.strip_prefix("threads<=") {
            max = Some(count("-rate", v)?);
        } else if let Some(v) = lower.strip_prefix("threads=") {
            threads = Some(count("-rate", v)?);
        } else if let Some(v) = lower.strip_prefix("fixed=") {
            rate.mode = RateMode::Fixed {
                ops_per_s: per_second("-rate", v)?,
            };
        } else if let Some(v) = lower.strip_prefix("throttle=") {
            rate.mode = RateMode::Throttle {
                ops_per_s: per_second("-rate", v)?,
            };
        } else if lower == "auto" {
            auto = true;
        } else {
            return Err(invalid("-rate", format!("unrecognised {param}")));
        }
    }
    if threads.is_some() && (min.is_some() || max.is_some()) {
        return Err(invalid(
            "-rate",
            "threads= cannot be combined with threads>= or threads<=",
        ));
    }
    if let Some(n) = threads {
        rate.threads = n;
        rate.auto_ramp = false;
    } else if min.is_some() || max.is_some() || auto {
        rate.threads = min.unwrap_or(4);
        rate.threads_max = max.unwrap_or(1000).max(rate.threads);
        rate.auto_ramp = true;
    } else if !matches!(rate.mode, RateMode::Unlimited) {
        // Paced runs need enough concurrency to keep up through slow spells;
        // tasks are cheap, so be generous.
        rate.threads = 256;
        rate.auto_ramp = false;
    }
    if rate.auto_ramp && !matches!(rate.mode, RateMode::Unlimited) {
        return Err(invalid(
            "-rate",
            "auto thread ramp cannot be combined with a rate limit",
        ));
    }
    Ok(())
}

fn node(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    let nodes: Vec<String> = params
        .iter()
        .filter(|p| !p.eq_ignore_ascii_case("whitelist"))
        .flat_map(|p| p.split(','))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if nodes.is_empty() {
        return Err(invalid("-node", "no nodes given"));
    }
    settings.nodes = nodes;
    Ok(())
}

fn port(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    for param in params {
        let lower = param.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("native=") {
            settings.port = v
                .parse()
                .map_err(|_| invalid("-port", format!("bad port {v}")))?;
        } else if !(lower.starts_with("thrift=") || lower.starts_with("jmx=")) {
            return Err(invalid("-port", format!("unrecognised {param}")));
        }
    }
    Ok(())
}

fn population(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    for param in params {
        let lower = param.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("seq=") {
            let (first, last) = v
                .split_once("..")
                .and_then(|(a, b)| {
                    let parse = crate::generate::distribution::parse_long;
                    Some((parse(a)?, parse(b.trim_start_matches('.'))?))
                })
                .filter(|(a, b)| a <= b)
                .ok_or_else(|| invalid("-pop", format!("bad sequence {v}")))?;
            settings.population = Population::Sequence { first, last };
        } else if lower.starts_with("dist=") {
            let spec = param.get("dist=".len()..).unwrap_or_default();
            settings.population = Population::Distribution(DistSpec::parse(spec)?);
        } else if !(lower == "no-wrap"
            || lower.starts_with("contents=")
            || lower.starts_with("read-lookback="))
        {
            return Err(invalid("-pop", format!("unrecognised {param}")));
        }
    }
    Ok(())
}

fn columns(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    let mut names: Option<Vec<String>> = None;
    for param in params {
        let lower = param.to_ascii_lowercase();
        if lower.starts_with("n=") {
            let spec = param.get(2..).unwrap_or_default();
            let dist = match spec.parse::<usize>() {
                Ok(n) => DistSpec::fixed(n as i64),
                Err(_) => DistSpec::parse(spec)?,
            };
            // As cassandra-stress: the table gets the maximum; each row
            // holds a count drawn from the distribution.
            let n = dist.max();
            if !(1..=1000).contains(&n) || dist.min() < 0 {
                return Err(invalid("-col", format!("column count {dist} out of range")));
            }
            settings.columns.count = n as usize;
            settings.columns.per_row = dist;
        } else if lower.starts_with("size=") {
            let dist = DistSpec::parse(param.get(5..).unwrap_or_default())?;
            if dist.min() < 0 {
                return Err(invalid("-col", "negative column size"));
            }
            settings.columns.size = dist;
        } else if lower.starts_with("names=") {
            names = Some(
                param
                    .get(6..)
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
            );
        } else if !(lower.starts_with("data=")
            || lower.starts_with("comparator=")
            || lower.starts_with("timestamp="))
        {
            return Err(invalid("-col", format!("unrecognised {param}")));
        }
    }
    settings.columns.names = match names {
        Some(names) => {
            settings.columns.count = names.len();
            settings.columns.per_row = DistSpec::fixed(names.len() as i64);
            names
        }
        None => (0..settings.columns.count)
            .map(|i| format!("C{i}"))
            .collect(),
    };
    Ok(())
}

/// `name(a=1,b=x)` → `[("a","1"), ("b","x")]`.
fn parse_group(param: &str, prefix: &str) -> Result<Vec<(String, String)>, StressError> {
    let inner = param
        .get(prefix.len()..)
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| invalid("-schema", format!("bad {prefix}(...)")))?;
    inner
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| invalid("-schema", format!("bad {prefix} option {p}")))
        })
        .collect()
}

fn schema(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    let schema = &mut settings.schema;
    for param in params {
        let lower = param.to_ascii_lowercase();
        if lower.starts_with("replication(") {
            for (key, value) in parse_group(param, "replication")? {
                match key.to_ascii_lowercase().as_str() {
                    "strategy" => schema.replication_strategy = value,
                    "factor" => schema
                        .replication_options
                        .push(("replication_factor".into(), value)),
                    _ => schema.replication_options.push((key, value)),
                }
            }
        } else if lower.starts_with("compaction(") {
            for (key, value) in parse_group(param, "compaction")? {
                if key.eq_ignore_ascii_case("strategy") {
                    schema.compaction_strategy = Some(value);
                } else {
                    schema.compaction_options.push((key, value));
                }
            }
            if schema.compaction_strategy.is_none() {
                return Err(invalid("-schema", "compaction(...) needs strategy="));
            }
        } else if lower.starts_with("keyspace=") {
            schema.keyspace = param.get(9..).unwrap_or_default().to_owned();
        } else if lower.starts_with("compression=") {
            schema.compression = param.get(12..).map(str::to_owned);
        } else {
            return Err(invalid("-schema", format!("unrecognised {param}")));
        }
    }
    Ok(())
}

fn mode(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    for param in params {
        let lower = param.to_ascii_lowercase();
        if lower.starts_with("user=") {
            settings.mode.user = param.get(5..).map(str::to_owned);
        } else if lower.starts_with("password=") {
            settings.mode.password = param.get(9..).map(str::to_owned);
        } else if let Some(v) = lower.strip_prefix("connectionsperhost=") {
            settings.mode.connections_per_host = Some(count("-mode", v)?);
        } else if lower == "thrift" || lower == "simplenative" {
            return Err(invalid(
                "-mode",
                format!("{param} is not supported; use native cql3"),
            ));
        } else if !(matches!(
            lower.as_str(),
            "native" | "cql3" | "prepared" | "unprepared"
        ) || lower.starts_with("maxpending=")
            || lower.starts_with("protocolversion=")
            || lower.starts_with("compression="))
        {
            return Err(invalid("-mode", format!("unrecognised {param}")));
        }
    }
    if settings.mode.user.is_some() != settings.mode.password.is_some() {
        return Err(invalid("-mode", "user= and password= go together"));
    }
    Ok(())
}

fn log(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    for param in params {
        let lower = param.to_ascii_lowercase();
        if lower.starts_with("hdrfile=") {
            settings.log.hdr_file = param.get(8..).map(PathBuf::from);
        } else if lower.starts_with("json=") {
            settings.log.json_file = param.get(5..).map(PathBuf::from);
        } else if let Some(v) = lower.strip_prefix("interval=") {
            let interval = parse_duration(v)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| invalid("-log", format!("bad interval {v}")))?;
            settings.log.interval = interval;
        } else if !(lower.starts_with("file=")
            || lower.starts_with("level=")
            || lower == "no-summary"
            || lower == "no-settings")
        {
            return Err(invalid("-log", format!("unrecognised {param}")));
        }
    }
    Ok(())
}

fn graph(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    let mut graph = GraphSettings {
        file: PathBuf::new(),
        title: None,
        revision: None,
        op_name: None,
    };
    for param in params {
        let lower = param.to_ascii_lowercase();
        let value = || param.split_once('=').map(|(_, v)| v.to_owned());
        if lower.starts_with("file=") {
            graph.file = value().map(PathBuf::from).unwrap_or_default();
        } else if lower.starts_with("title=") {
            graph.title = value();
        } else if lower.starts_with("revision=") {
            graph.revision = value();
        } else if lower.starts_with("op=") {
            graph.op_name = value();
        } else {
            return Err(invalid("-graph", format!("unrecognised {param}")));
        }
    }
    if graph.file.as_os_str().is_empty() {
        return Err(invalid("-graph", "file= is required"));
    }
    settings.graph = Some(graph);
    Ok(())
}

fn errors(settings: &mut Settings, params: &[&str]) -> Result<(), StressError> {
    for param in params {
        let lower = param.to_ascii_lowercase();
        if lower == "ignore" {
            settings.errors.ignore = true;
        } else if let Some(v) = lower.strip_prefix("retries=") {
            settings.errors.retries = v
                .parse()
                .map_err(|_| invalid("-errors", format!("bad retries {v}")))?;
        } else if lower != "skip-read-validation" {
            return Err(invalid("-errors", format!("unrecognised {param}")));
        }
    }
    Ok(())
}
