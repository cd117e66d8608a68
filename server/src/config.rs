//! Node configuration from the command line (DESIGN.md §1, cassandra.yaml
//! names). With no flags a node starts on 127.0.0.1 with data in
//! `./sibyl-data`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "sibyl",
    version,
    about = "Sibyl: a shard-per-core, Cassandra-compatible database"
)]
pub struct NodeConfig {
    /// Directory holding data and commitlog (`data/`, `commitlog/` below it).
    #[arg(long, default_value = "sibyl-data")]
    pub workdir: PathBuf,
    /// Address other nodes reach this one at (`listen_address`).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub listen_address: IpAddr,
    /// Address clients connect to (`rpc_address`); defaults to the listen address.
    #[arg(long)]
    pub rpc_address: Option<IpAddr>,
    /// CQL native protocol port (`native_transport_port`).
    #[arg(long, default_value_t = 9042)]
    pub native_transport_port: u16,
    /// Shard-aware CQL port (`native_shard_aware_transport_port`); 0 picks a free one.
    #[arg(long, default_value_t = 19042)]
    pub native_shard_aware_transport_port: u16,
    /// Disables the shard-aware port and the SCYLLA_* options it implies.
    #[arg(long)]
    pub no_shard_aware_port: bool,
    /// Number of shards (one per core); default: every CPU in the cpuset.
    #[arg(long)]
    pub smp: Option<usize>,
    /// CPUs the shards run on, e.g. `0-3,6`; default: all this process may use.
    #[arg(long)]
    pub cpuset: Option<String>,
    /// Cluster name (`cluster_name`).
    #[arg(long, default_value = "Test Cluster")]
    pub cluster_name: String,
    /// Data center of this node.
    #[arg(long, default_value = "datacenter1")]
    pub dc: String,
    /// Rack of this node.
    #[arg(long, default_value = "rack1")]
    pub rack: String,
    /// How long an idle shard keeps polling before it sleeps (ScyllaDB's
    /// `--idle-poll-time-us`): lower saves CPU, higher saves wake-up latency.
    #[arg(long, default_value_t = 200)]
    pub idle_poll_time_us: u64,
    /// `commitlog_sync`: `periodic` acknowledges after the entry's direct
    /// write (fsync every period), `batch` after fsync.
    #[arg(long, default_value = "periodic", value_parser = ["periodic", "batch"])]
    pub commitlog_sync: String,
    /// `commitlog_sync_period_in_ms` for periodic mode.
    #[arg(long, default_value_t = 10_000)]
    pub commitlog_sync_period_in_ms: u64,
    /// `commitlog_segment_size_in_mb`.
    #[arg(long, default_value_t = 32)]
    pub commitlog_segment_size_in_mb: u64,
    /// Memtable space per shard before the largest memtable is flushed.
    #[arg(long, default_value_t = 256)]
    pub memtable_space_in_mb: usize,
    /// `compaction_throughput_mb_per_sec` per shard; 0 disables the cap.
    #[arg(long, default_value_t = 64.0)]
    pub compaction_throughput_mb_per_sec: f64,
    /// The data disk's measured capacity (`io_properties.yaml` from
    /// `sibyl-iotune`), which the per-shard I/O scheduler divides among
    /// shards and priority classes. Default: `io_properties.yaml` in the
    /// workdir, else `conf/io_properties.yaml`, else conservative built-in numbers.
    #[arg(long, value_name = "FILE")]
    pub io_properties: Option<PathBuf>,
    /// Device time each shard keeps in flight at most (ScyllaDB's
    /// `--io-latency-goal-ms`); background I/O may fill half of it.
    #[arg(long, default_value_t = 1.0)]
    pub io_latency_goal_ms: f64,
    /// Largest accepted frame (`native_transport_max_frame_size_in_mb`).
    #[arg(long, default_value_t = 256)]
    pub native_transport_max_frame_size_in_mb: usize,
    /// Requests in flight per connection before it stops reading.
    #[arg(long, default_value_t = 1024)]
    pub native_transport_max_requests_per_connection: usize,
    /// Address of the REST admin API (`api_address`); loopback by default.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub api_address: IpAddr,
    /// Port of the REST admin API (`api_port`); 0 picks a free one.
    #[arg(long, default_value_t = 10000)]
    pub api_port: u16,
}

impl NodeConfig {
    pub fn rpc_address(&self) -> IpAddr {
        self.rpc_address.unwrap_or(self.listen_address)
    }

    pub fn native_address(&self) -> SocketAddr {
        SocketAddr::new(self.rpc_address(), self.native_transport_port)
    }

    pub fn api_socket_address(&self) -> SocketAddr {
        SocketAddr::new(self.api_address, self.api_port)
    }

    pub fn shard_aware_address(&self) -> Option<SocketAddr> {
        (!self.no_shard_aware_port)
            .then(|| SocketAddr::new(self.rpc_address(), self.native_shard_aware_transport_port))
    }
}

/// Parses a cpuset like `0-3,6,8-9` into CPU numbers.
pub fn parse_cpuset(text: &str) -> Result<Vec<usize>, String> {
    let mut cpus = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parse = |s: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("invalid CPU number {s:?} in cpuset {text:?}"))
        };
        match part.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (parse(lo)?, parse(hi)?);
                if lo > hi {
                    return Err(format!("invalid CPU range {part:?} in cpuset {text:?}"));
                }
                cpus.extend(lo..=hi);
            }
            None => cpus.push(parse(part)?),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    if cpus.is_empty() {
        return Err(format!("cpuset {text:?} names no CPU"));
    }
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_parse_like_taskset_lists() {
        assert_eq!(parse_cpuset("0-3,6"), Ok(vec![0, 1, 2, 3, 6]));
        assert_eq!(parse_cpuset("1"), Ok(vec![1]));
        assert!(parse_cpuset("3-1").is_err());
        assert!(parse_cpuset("x").is_err());
        assert!(parse_cpuset("").is_err());
    }

    #[test]
    fn defaults_start_a_local_node() {
        let config = NodeConfig::parse_from(["sibyl"]);
        assert_eq!(
            config.native_address(),
            "127.0.0.1:9042".parse().expect("addr")
        );
        assert_eq!(
            config.shard_aware_address(),
            Some("127.0.0.1:19042".parse().expect("addr"))
        );
        assert_eq!(config.workdir, PathBuf::from("sibyl-data"));
    }
}
