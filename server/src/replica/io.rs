//! Settings of each shard's I/O scheduler (`sibyl_storage::io::sched`): the
//! disk's measured capacity from `io_properties.yaml`, divided among the
//! shards, and the latency goal. Read once at startup, before any shard runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sibyl_storage::io::sched::{IoProperties, SchedulerConfig};

use crate::config::NodeConfig;

/// Where `io_properties.yaml` is looked for when `--io-properties` is not given.
pub fn default_locations(workdir: &Path) -> [PathBuf; 2] {
    [
        workdir.join("io_properties.yaml"),
        PathBuf::from("conf").join("io_properties.yaml"),
    ]
}

/// One shard's scheduler settings, and where the disk's numbers came from.
pub fn scheduler_config(
    config: &NodeConfig,
    nr_shards: usize,
) -> Result<(SchedulerConfig, String), String> {
    let file = match &config.io_properties {
        Some(path) => Some(path.clone()),
        None => default_locations(&config.workdir)
            .into_iter()
            .find(|p| p.is_file()),
    };
    let (properties, source) = match file {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let disks =
                IoProperties::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let data_dir =
                std::fs::canonicalize(&config.workdir).unwrap_or_else(|_| config.workdir.clone());
            let properties = IoProperties::for_directory(&disks, &data_dir)
                .ok_or_else(|| format!("{}: no disks listed", path.display()))?;
            (properties, path.display().to_string())
        }
        None => (IoProperties::default(), "built-in defaults".to_owned()),
    };
    let goal_ms = config.io_latency_goal_ms;
    if !goal_ms.is_finite() || goal_ms <= 0.0 {
        return Err(format!(
            "--io-latency-goal-ms must be positive, got {goal_ms}"
        ));
    }
    Ok((
        SchedulerConfig {
            properties: properties.per_shard(nr_shards),
            latency_goal: Duration::from_secs_f64(goal_ms / 1000.0),
            ..SchedulerConfig::default()
        },
        source,
    ))
}
