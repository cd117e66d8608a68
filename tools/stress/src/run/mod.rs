//! A stress run: connect, create the schema, prepare, warm up, then run one
//! stage (or, with `threads>=N`, stages of doubling concurrency until the
//! rate stops improving), reporting every interval and writing the summary,
//! JSON, HDR log and HTML report at the end. Workers are async tasks (many
//! requests in flight per connection); see [`worker`].

pub mod ops;
pub mod session;
mod setup;
mod stage;
mod worker;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scylla::client::session::Session;

use crate::cli::{RateMode, Settings};
use crate::error::StressError;
use crate::generate::{Population, RowGenerator};
use crate::report::hdr_log::HdrLog;
use crate::report::summary::{OpTotals, RunSummary};
use crate::report::{console, html};
use crate::stats::{LatencySummary, OpStats, interval};
use ops::Operation;
use stage::StageResult;

/// What every worker shares.
#[derive(Debug)]
pub struct RunContext {
    pub session: Session,
    /// Op name, operation, cumulative weight.
    pub ops: Vec<(String, Operation, f64)>,
    pub rows: RowGenerator,
    pub column_names: Vec<String>,
    pub population: Population,
    pub ignore_errors: bool,
    pub retries: u32,
    pub mismatches: std::sync::Mutex<Vec<String>>,
}

impl RunContext {
    /// Picks an operation index by weight.
    pub fn choose(&self, rng: &mut crate::generate::SplitMix64) -> usize {
        if self.ops.len() < 2 {
            return 0;
        }
        let total = self.ops.last().map_or(1.0, |o| o.2);
        let point = rng.next_f64() * total;
        self.ops
            .iter()
            .position(|o| point < o.2)
            .unwrap_or(self.ops.len() - 1)
    }

    pub fn op_names(&self) -> Vec<String> {
        self.ops.iter().map(|o| o.0.clone()).collect()
    }
}

fn out_error(e: std::io::Error) -> StressError {
    StressError::io("write", "output", e)
}

/// Runs `settings` and returns the summary (also written where asked).
pub async fn run(
    settings: &Settings,
    command_line: &str,
    out: &mut (dyn Write + Send),
) -> Result<RunSummary, StressError> {
    let session = session::connect(settings).await?;
    let ctx = Arc::new(setup::prepare_context(settings, session, out).await?);
    let names = ctx.op_names();
    if settings.warmup {
        let limit = settings
            .op_count
            .map_or(50_000, |n| (n / 4).clamp(1, 50_000));
        writeln!(
            out,
            "Warming up {} with {limit} iterations...",
            names.join(", ").to_uppercase()
        )
        .map_err(out_error)?;
        let mode = RateMode::Unlimited;
        stage::run_stage(
            &ctx,
            settings,
            settings.rate.threads.max(1),
            mode,
            Some(limit),
            None,
            None,
            None,
        )
        .await?;
    }
    let started_at = SystemTime::now();
    let mut hdr = match &settings.log.hdr_file {
        Some(path) => Some(HdrLog::create(path, started_at, command_line)?),
        None => None,
    };
    let mut best: Option<(u32, StageResult)> = None;
    let mut threads = settings.rate.threads.max(1);
    loop {
        writeln!(
            out,
            "Running {} with {threads} threads {}",
            names.join(", ").to_uppercase(),
            describe_limit(settings)
        )
        .map_err(out_error)?;
        let result = stage::run_stage(
            &ctx,
            settings,
            threads,
            settings.rate.mode,
            settings.op_count,
            settings.duration,
            Some(&mut *out),
            hdr.as_mut(),
        )
        .await?;
        let rate = result.total().ops as f64 / result.elapsed.as_secs_f64().max(1e-9);
        let previous = best.as_ref().map_or(0.0, |(_, b)| {
            b.total().ops as f64 / b.elapsed.as_secs_f64().max(1e-9)
        });
        let improved = rate > previous * 1.05;
        let failed = result.error.is_some();
        if best.is_none() || rate > previous {
            best = Some((threads, result));
        }
        if !settings.rate.auto_ramp || !improved || failed || threads >= settings.rate.threads_max {
            break;
        }
        threads = (threads * 2).min(settings.rate.threads_max);
    }
    let Some((threads, result)) = best else {
        return Err(StressError::usage("no stage ran"));
    };
    if let Some(log) = hdr.as_mut() {
        log.flush()?;
    }
    let summary = summarize(settings, command_line, &names, threads, &result, started_at);
    console::write_summary(out, &summary).map_err(out_error)?;
    let mismatches = ctx.mismatches.lock().map(|m| m.clone()).unwrap_or_default();
    for line in &mismatches {
        writeln!(out, "Verification failure: {line}").map_err(out_error)?;
    }
    if let Some(path) = &settings.log.json_file {
        summary.write(path)?;
    }
    if let Some(graph) = &settings.graph {
        let count = html::append_run(&graph.file, &summary)?;
        writeln!(
            out,
            "Report {} now shows {count} run(s)",
            graph.file.display()
        )
        .map_err(out_error)?;
    }
    match result.error {
        Some(error) => Err(error),
        None => Ok(summary),
    }
}

fn describe_limit(settings: &Settings) -> String {
    let limit = match (settings.op_count, settings.duration) {
        (Some(n), _) => format!("for {n} iterations"),
        (None, Some(d)) => format!("for {}s", d.as_secs_f64()),
        _ => String::new(),
    };
    match settings.rate.mode {
        RateMode::Unlimited => limit,
        RateMode::Fixed { ops_per_s } => {
            format!("{limit} at fixed {ops_per_s} op/s (latency from intended start)")
        }
        RateMode::Throttle { ops_per_s } => format!("{limit} throttled to {ops_per_s} op/s"),
    }
}

fn summarize(
    settings: &Settings,
    command_line: &str,
    names: &[String],
    threads: u32,
    result: &StageResult,
    started_at: SystemTime,
) -> RunSummary {
    let total = result.total();
    let seconds = result.elapsed.as_secs_f64().max(1e-9);
    let (rate_mode, requested) = match settings.rate.mode {
        RateMode::Unlimited => ("unlimited".to_owned(), None),
        RateMode::Fixed { ops_per_s } => (
            "fixed (coordinated-omission corrected)".to_owned(),
            Some(ops_per_s),
        ),
        RateMode::Throttle { ops_per_s } => ("throttle (uncorrected)".to_owned(), Some(ops_per_s)),
    };
    let ops = names
        .iter()
        .zip(result.totals.iter())
        .map(|(name, stats)| OpTotals {
            op: name.clone(),
            ops: stats.ops,
            op_rate: stats.ops as f64 / seconds,
            latency: LatencySummary::of(&stats.corrected),
            raw: LatencySummary::of(&stats.raw),
            errors: stats.error_count(),
        })
        .collect();
    RunSummary {
        tool: "sibyl-stress".into(),
        command: command_line.to_owned(),
        title: settings.graph.as_ref().and_then(|g| g.title.clone()),
        revision: settings.graph.as_ref().and_then(|g| g.revision.clone()),
        started_at_unix_s: started_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64(),
        duration_s: seconds,
        threads,
        rate_mode,
        requested_rate_ops_per_s: requested,
        achieved_rate_ops_per_s: total.ops as f64 / seconds,
        partition_rate: total.partitions as f64 / seconds,
        row_rate: total.rows as f64 / seconds,
        total_ops: total.ops,
        total_partitions: total.partitions,
        total_rows: total.rows,
        total_errors: total.error_count(),
        errors: interval::error_counts(&total).into_iter().collect(),
        latency: LatencySummary::of(&total.corrected),
        raw: LatencySummary::of(&total.raw),
        ops,
        intervals: result.intervals.clone(),
    }
}

/// Sums per-op stats into one.
pub fn merged(stats: &[OpStats]) -> OpStats {
    let mut total = OpStats::default();
    for s in stats {
        total.add(s);
    }
    total
}

/// The binary's entry point: `compare`, `mock-server`, or a stress command.
pub async fn cli_main(args: &[String], out: &mut (dyn Write + Send)) -> Result<(), StressError> {
    match args.first().map(String::as_str) {
        None | Some("help") | Some("-h") | Some("--help") => {
            writeln!(out, "Usage: sibyl-stress <write|read|mixed|counter_write|counter_read|user> [n=N|duration=30s] [cl=ONE] [no-warmup] [ratio(write=1,read=3)] [verify] [-rate threads=N|threads>=N|fixed=N/s|throttle=N/s] [-node a,b] [-port native=9042] [-pop seq=1..N|dist=gauss(1..N)] [-col n=FIXED(5) size=FIXED(34)] [-schema replication(factor=3) keyspace=ks compaction(strategy=X)] [-mode native cql3 user=U password=P connectionsPerHost=N] [-log hdrfile=F json=F interval=1s] [-graph file=report.html title=T revision=R] [-errors ignore retries=N]\n       sibyl-stress compare A.json|A.hdr B.json|B.hdr [alpha=0.01]\n       sibyl-stress mock-server [port=9042]")
                .map_err(out_error)
        }
        Some("compare") => {
            let files: Vec<&String> = args.iter().skip(1).filter(|a| !a.starts_with("alpha=")).collect();
            let alpha = args.iter().find_map(|a| a.strip_prefix("alpha=")).and_then(|a| a.parse().ok()).unwrap_or(0.01);
            let [a, b] = files.as_slice() else {
                return Err(StressError::usage("compare needs exactly two files"));
            };
            let a = crate::report::compare::RunSeries::load(std::path::Path::new(a.as_str()))?;
            let b = crate::report::compare::RunSeries::load(std::path::Path::new(b.as_str()))?;
            let results = crate::report::compare::compare(&a, &b, alpha)?;
            crate::report::compare::write_comparison(out, &a, &b, &results, alpha).map_err(out_error)
        }
        Some("mock-server") => {
            let port = args.iter().find_map(|a| a.strip_prefix("port=")).unwrap_or("9042");
            let server = crate::mock::MockServer::start_on(&format!("127.0.0.1:{port}"), crate::mock::MockConfig::default())
                .await
                .map_err(|e| StressError::io("listen", format!("127.0.0.1:{port}"), e))?;
            writeln!(out, "listening on {}", server.addr()).map_err(out_error)?;
            out.flush().map_err(out_error)?;
            std::future::pending::<()>().await;
            Ok(())
        }
        Some(_) => {
            let settings = Settings::parse(args)?;
            run(&settings, &args.join(" "), out).await.map(|_| ())
        }
    }
}
