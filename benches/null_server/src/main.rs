//! `sibyl-null-server`: the real CQL transport (`sibyl_server::transport`,
//! one glommio shard per `--smp`, pinned, SO_REUSEPORT port plus the
//! shard-aware port) in front of [`processor::NullProcessor`], which answers
//! every EXECUTE at once. `benches/e2e/run.sh` runs the same client against
//! it and against `sibyl` to state Sibyl's throughput as a fraction of what
//! the transport and client alone reach on the machine.
//!
//! Prints `sibyl-null-server started in N ms; CQL on ADDR, shard-aware CQL on
//! ADDR` once every shard accepts, and stops on SIGINT/SIGTERM.

mod processor;
mod statement;

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use sibyl_server::dht::Sharder;
use sibyl_server::shard::runtime::{allowed_cpus, spawn_shard};
use sibyl_server::shard::{ShardSpec, StopSignal};
use sibyl_server::transport::{
    EventRegistry, Handoff, ShardTransport, TransportConfig, bind_listeners, serve_shard,
};

/// The CQL transport with a do-nothing processor.
#[derive(Debug, Parser)]
#[command(name = "sibyl-null-server", version)]
struct Args {
    /// Shards (one pinned executor each).
    #[arg(long, default_value_t = 1)]
    smp: usize,
    /// CPUs to pin the shards to, e.g. `0` or `0-1` or `0,2` (default: allowed CPUs).
    #[arg(long)]
    cpuset: Option<String>,
    #[arg(long, default_value = "127.0.0.1")]
    listen_address: IpAddr,
    #[arg(long, default_value_t = 9042)]
    native_transport_port: u16,
    #[arg(long, default_value_t = 19042)]
    native_shard_aware_transport_port: u16,
    /// How long an idle shard polls before parking, as `sibyl --idle-poll-time-us`.
    #[arg(long, default_value_t = 200)]
    idle_poll_time_us: u64,
    #[arg(long, default_value_t = 1024)]
    max_in_flight_per_connection: usize,
}

fn parse_cpuset(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("bad --cpuset {text:?}");
        match part.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi): (usize, usize) = (
                    lo.parse().map_err(|_| bad())?,
                    hi.parse().map_err(|_| bad())?,
                );
                cpus.extend(lo..=hi);
            }
            None => cpus.push(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(cpus)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sibyl-null-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let started_at = Instant::now();
    let cpus = match &args.cpuset {
        Some(text) => parse_cpuset(text)?,
        None => allowed_cpus(),
    };
    let nr_shards = args.smp.max(1);
    let mut config = TransportConfig::new(
        SocketAddr::new(args.listen_address, args.native_transport_port),
        Some(SocketAddr::new(
            args.listen_address,
            args.native_shard_aware_transport_port,
        )),
    );
    config.max_in_flight_per_connection = args.max_in_flight_per_connection.max(1);
    let listeners = bind_listeners(&mut config, nr_shards).map_err(|e| format!("binding: {e}"))?;
    let sharder = Sharder::new(nr_shards, 12);
    let (ready_tx, ready_rx) = flume::bounded::<usize>(nr_shards);
    let mut stops = Vec::new();
    let mut handles = Vec::new();
    for ((id, listeners), handoff) in listeners
        .per_shard
        .into_iter()
        .enumerate()
        .zip(Handoff::build(nr_shards))
    {
        let spec = ShardSpec {
            id,
            cpu: cpus.get(id % cpus.len().max(1)).copied(),
            idle_poll: Duration::from_micros(args.idle_poll_time_us),
        };
        let (stop_tx, stop_rx) = flume::bounded::<()>(1);
        stops.push(stop_tx);
        let (config, ready_tx) = (config.clone(), ready_tx.clone());
        let handle = spawn_shard(spec, move || async move {
            let stop = StopSignal::new();
            let transport = ShardTransport::new(
                id,
                sharder,
                config,
                processor::NullProcessor::default(),
                stop.clone(),
                Rc::new(EventRegistry::default()),
            );
            glommio::spawn_local(async move {
                let _ = stop_rx.recv_async().await;
                stop.stop();
            })
            .detach();
            let serving = glommio::spawn_local(serve_shard(transport, listeners, handoff));
            let _ = ready_tx.send_async(id).await;
            serving.await;
        })
        .map_err(|e| e.to_string())?;
        handles.push(handle);
    }
    for _ in 0..nr_shards {
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "a shard did not start".to_owned())?;
    }
    let shard_aware = config
        .shard_aware_address
        .map_or_else(|| "-".to_owned(), |a| a.to_string());
    eprintln!(
        "sibyl-null-server started in {} ms; CQL on {}, shard-aware CQL on {shard_aware} ({nr_shards} shard(s), cpus {cpus:?})",
        started_at.elapsed().as_millis(),
        config.address,
    );
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(|e| format!("signals: {e}"))?;
    let _ = signals.forever().next();
    for stop in &stops {
        let _ = stop.send(());
    }
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}
