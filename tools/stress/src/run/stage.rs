//! One stage: spawn `threads` workers over a fresh schedule, drain the
//! recorder every interval (printing a line per op kind and writing the HDR
//! log), and drain once more after the last worker returned so nothing
//! recorded is lost.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::worker::worker;
use super::{RunContext, merged, out_error};
use crate::cli::{RateMode, Settings};
use crate::error::StressError;
use crate::rate::Schedule;
use crate::report::console;
use crate::report::hdr_log::HdrLog;
use crate::stats::{OpInterval, OpStats, Recorder};

#[derive(Debug)]
pub struct StageResult {
    pub totals: Vec<OpStats>,
    pub elapsed: Duration,
    pub intervals: Vec<OpInterval>,
    /// A fatal operation error (without `-errors ignore`); stats are still here.
    pub error: Option<StressError>,
}

impl StageResult {
    pub fn total(&self) -> OpStats {
        merged(&self.totals)
    }
}

struct IntervalSink<'a> {
    out: Option<&'a mut (dyn Write + Send)>,
    hdr: Option<&'a mut HdrLog>,
    names: Vec<String>,
    totals: Vec<OpStats>,
    intervals: Vec<OpInterval>,
    cumulative: Vec<u64>,
}

impl IntervalSink<'_> {
    fn emit(
        &mut self,
        stats: &mut [OpStats],
        start: Instant,
        interval_start: Instant,
        now: Instant,
    ) -> Result<(), StressError> {
        let length = now.saturating_duration_since(interval_start);
        let time_s = now.saturating_duration_since(start).as_secs_f64();
        let length_s = length.as_secs_f64();
        let mut rows = Vec::new();
        for (i, (name, s)) in self.names.iter().zip(stats.iter()).enumerate() {
            if let Some(c) = self.cumulative.get_mut(i) {
                *c += s.ops;
            }
            rows.push(OpInterval::of(name, s, time_s, length_s));
        }
        let total = merged(stats);
        let total_row = OpInterval::of("total", &total, time_s, length_s);
        if let Some(out) = self.out.as_deref_mut() {
            for (row, cumulative) in rows.iter().zip(self.cumulative.iter()) {
                console::write_interval(out, row, *cumulative).map_err(out_error)?;
            }
            if rows.len() > 1 {
                console::write_interval(out, &total_row, self.cumulative.iter().sum())
                    .map_err(out_error)?;
            }
        }
        if let Some(hdr) = self.hdr.as_deref_mut() {
            let at = interval_start.saturating_duration_since(hdr.base_instant());
            let named: Vec<(String, &OpStats)> =
                self.names.iter().cloned().zip(stats.iter()).collect();
            hdr.write_interval(at, length, &named)?;
        }
        self.intervals.extend(rows);
        self.intervals.push(total_row);
        for (t, s) in self.totals.iter_mut().zip(stats.iter_mut()) {
            t.add(s);
            s.reset();
        }
        Ok(())
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per stage kind; a struct would only rename them"
)]
pub async fn run_stage<'a>(
    ctx: &Arc<RunContext>,
    settings: &Settings,
    threads: u32,
    mode: RateMode,
    op_limit: Option<u64>,
    duration: Option<Duration>,
    out: Option<&'a mut (dyn Write + Send)>,
    hdr: Option<&'a mut HdrLog>,
) -> Result<StageResult, StressError> {
    let op_count = ctx.ops.len();
    let recorder = Arc::new(Recorder::new(op_count, (threads as usize).min(16)));
    let start = Instant::now();
    let schedule = Arc::new(Schedule::new(mode, start, op_limit, duration));
    let mut workers = JoinSet::new();
    for index in 0..threads as usize {
        let seed = settings.seed ^ crate::generate::mix64(index as u64 + 1);
        workers.spawn(worker(
            ctx.clone(),
            schedule.clone(),
            recorder.clone(),
            index,
            seed,
        ));
    }
    let printing = out.is_some();
    let mut sink = IntervalSink {
        out,
        hdr,
        names: ctx.op_names(),
        totals: vec![OpStats::default(); op_count],
        intervals: Vec::new(),
        cumulative: vec![0; op_count],
    };
    if printing {
        if let Some(out) = sink.out.as_deref_mut() {
            console::write_header(out).map_err(out_error)?;
        }
    }
    let interval = settings.log.interval;
    let mut ticker = tokio::time::interval_at((start + interval).into(), interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut current = vec![OpStats::default(); op_count];
    let mut interval_start = start;
    let mut error = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                recorder.drain_into(&mut current);
                let now = Instant::now();
                sink.emit(&mut current, start, interval_start, now)?;
                interval_start = now;
            }
            joined = workers.join_next() => match joined {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => {
                    schedule.stop();
                    error.get_or_insert(e);
                }
                Some(Err(join_error)) => {
                    schedule.stop();
                    error.get_or_insert(StressError::usage(format!("worker panicked: {join_error}")));
                }
            },
        }
    }
    let elapsed = start.elapsed();
    recorder.drain_into(&mut current);
    if current.iter().any(|s| s.ops > 0) {
        sink.emit(&mut current, start, interval_start, Instant::now())?;
    }
    Ok(StageResult {
        totals: sink.totals,
        elapsed,
        intervals: sink.intervals,
        error,
    })
}
