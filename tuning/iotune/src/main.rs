//! `sibyl-iotune`: measures the disk under a data directory the way the
//! server will use it (O_DIRECT files driven by glommio's io_uring reactor)
//! and writes `io_properties.yaml` in ScyllaDB's iotune format:
//!
//! ```yaml
//! disks:
//!   - mountpoint: /var/lib/sibyl
//!     read_iops: 95000
//!     read_bandwidth: 1450000000
//!     write_iops: 60000
//!     write_bandwidth: 900000000
//! ```
//!
//! Bandwidths are bytes/s (128 KiB sequential requests), IOPS are 4 KiB
//! random requests; all at a fixed queue depth for a bounded time. The test
//! file is removed at the end.

mod measure;
mod mountpoint;
mod yaml;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Measure a data disk and write io_properties.yaml.
#[derive(Debug, Parser)]
#[command(name = "sibyl-iotune", version)]
struct Args {
    /// Directory on the disk to measure (the data directory).
    #[arg(long, default_value = ".")]
    directory: PathBuf,
    /// Total time for the four measurements, e.g. 10s, 1500ms, 1m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Size of the test file (bigger defeats device caches), e.g. 1GiB, 64MiB.
    #[arg(long, default_value = "1GiB", value_parser = parse_size)]
    file_size: u64,
    /// Requests in flight per measurement.
    #[arg(long, default_value_t = 32)]
    queue_depth: usize,
    /// Where to write the result.
    #[arg(long, default_value = "io_properties.yaml")]
    output: PathBuf,
    /// Mountpoint to record (default: the one holding --directory).
    #[arg(long)]
    mountpoint: Option<String>,
    /// Pin the measuring thread to this CPU.
    #[arg(long)]
    cpu: Option<usize>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let value: f64 = number
        .parse()
        .map_err(|_| format!("bad duration {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        _ => return Err(format!("bad duration unit in {text:?} (ms, s, m)")),
    };
    Ok(Duration::from_secs_f64(seconds.max(0.0)))
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let value: u64 = number.parse().map_err(|_| format!("bad size {text:?}"))?;
    let scale = match unit {
        "" | "B" => 1,
        "KiB" | "K" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        _ => return Err(format!("bad size unit in {text:?} (KiB, MiB, GiB)")),
    };
    Ok(value * scale)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mountpoint = args
        .mountpoint
        .clone()
        .unwrap_or_else(|| mountpoint::of(&args.directory));
    let plan = measure::Plan {
        directory: args.directory.clone(),
        phase_duration: args.duration / 4,
        file_size_bytes: args.file_size,
        queue_depth: args.queue_depth.max(1),
        cpu: args.cpu,
    };
    let result = match measure::run(plan) {
        Ok(result) => result,
        Err(e) => {
            eprintln!("sibyl-iotune: {e}");
            return ExitCode::FAILURE;
        }
    };
    let text = yaml::render(&mountpoint, &result);
    if let Err(e) = std::fs::write(&args.output, &text) {
        eprintln!("sibyl-iotune: writing {}: {e}", args.output.display());
        return ExitCode::FAILURE;
    }
    eprint!("{text}");
    eprintln!("written to {}", args.output.display());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("3h").is_err());
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("1TB").is_err());
    }
}
