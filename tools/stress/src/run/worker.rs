//! A worker: takes the next ticket, waits until it is due, runs the
//! operation (retrying up to `-errors retries=`), and records its latency
//! from the intended start (fixed rate) and from the actual send.

use std::sync::Arc;
use std::time::Instant;

use super::RunContext;
use super::ops::WorkerState;
use crate::error::StressError;
use crate::rate::Schedule;
use crate::stats::{Recorder, Sample};

const MISMATCH_SAMPLES_MAX: usize = 10;

pub async fn worker(
    ctx: Arc<RunContext>,
    schedule: Arc<Schedule>,
    recorder: Arc<Recorder>,
    slot: usize,
    seed: u64,
) -> Result<(), StressError> {
    let mut state = WorkerState::new(seed);
    while let Some(ticket) = schedule.next() {
        ticket.wait().await;
        let sent = Instant::now();
        let op_index = ctx.choose(&mut state.rng);
        let key_seed = ctx.population.seed(ticket.sequence, &mut state.rng);
        let Some((_, operation, _)) = ctx.ops.get(op_index) else {
            break;
        };
        let mut attempts = 0u32;
        let outcome = loop {
            attempts += 1;
            match operation
                .execute(
                    &ctx.session,
                    &ctx.rows,
                    &ctx.column_names,
                    &mut state,
                    key_seed,
                )
                .await
            {
                Ok(counts) => break Ok(counts),
                Err(e) => {
                    let kind = e.kind();
                    if !ctx.ignore_errors
                        && kind.retryable()
                        && attempts <= ctx.retries
                        && !schedule.is_stopped()
                    {
                        continue;
                    }
                    break Err((kind, e));
                }
            }
        };
        let done = Instant::now();
        let (partitions, rows, error) = match &outcome {
            Ok((p, r)) => (*p, *r, None),
            Err((kind, _)) => (0, 0, Some(*kind)),
        };
        let sample = Sample {
            corrected: done.saturating_duration_since(ticket.measured_from(sent)),
            raw: done.saturating_duration_since(sent),
            partitions,
            rows,
            error,
        };
        recorder.record(slot, op_index, &sample);
        if let Err((kind, e)) = outcome {
            if kind == crate::stats::ErrorKind::Mismatch {
                if let Ok(mut samples) = ctx.mismatches.lock() {
                    if samples.len() < MISMATCH_SAMPLES_MAX {
                        samples.push(e.to_string());
                    }
                }
            } else if !ctx.ignore_errors {
                schedule.stop();
                return Err(StressError::Operation {
                    attempts,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(())
}
