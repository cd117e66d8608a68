//! The disk's measured capacity, read from `io_properties.yaml` (ScyllaDB's
//! iotune format, written by `sibyl-iotune`):
//!
//! ```yaml
//! disks:
//!   - mountpoint: /var/lib/sibyl
//!     read_iops: 95000           # 4 KiB random reads/s
//!     read_bandwidth: 1450000000 # bytes/s, sequential reads
//!     write_iops: 60000
//!     write_bandwidth: 900000000
//! ```
//!
//! Only this subset of YAML is read (a `disks` list of flat maps), so the
//! storage crate needs no YAML library. The numbers describe the whole
//! device; [`IoProperties::per_shard`] divides them among the shards, each of
//! which schedules its own share independently (no shared state).

use std::path::Path;

/// Capacity of one disk (or one shard's share of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoProperties {
    pub read_iops: u64,
    pub read_bandwidth_bytes_per_s: u64,
    pub write_iops: u64,
    pub write_bandwidth_bytes_per_s: u64,
}

impl Default for IoProperties {
    /// Conservative numbers for an unmeasured disk: a modest SATA SSD or a
    /// cloud volume. Too low only makes background I/O slower; too high
    /// lets it crowd the device queue.
    fn default() -> Self {
        IoProperties {
            read_iops: 20_000,
            read_bandwidth_bytes_per_s: 300_000_000,
            write_iops: 15_000,
            write_bandwidth_bytes_per_s: 200_000_000,
        }
    }
}

/// One `disks` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskEntry {
    pub mountpoint: String,
    pub properties: IoProperties,
}

impl IoProperties {
    /// One shard's share when `shards` shards use the disk.
    pub fn per_shard(&self, shards: usize) -> IoProperties {
        let n = shards.max(1) as u64;
        IoProperties {
            read_iops: (self.read_iops / n).max(1),
            read_bandwidth_bytes_per_s: (self.read_bandwidth_bytes_per_s / n).max(1),
            write_iops: (self.write_iops / n).max(1),
            write_bandwidth_bytes_per_s: (self.write_bandwidth_bytes_per_s / n).max(1),
        }
    }

    /// Parses every disk of an `io_properties.yaml` document.
    pub fn parse(text: &str) -> Result<Vec<DiskEntry>, String> {
        let mut disks = Vec::new();
        let mut current: Option<PartialDisk> = None;
        let mut in_disks = false;
        for (number, raw) in text.lines().enumerate() {
            let line = strip_comment(raw);
            if line.trim().is_empty() {
                continue;
            }
            let at = |detail: &str| format!("io_properties line {}: {detail}", number + 1);
            if !line.starts_with([' ', '-']) {
                in_disks = line.trim_end() == "disks:";
                continue;
            }
            if !in_disks {
                continue;
            }
            let mut body = line.trim_start();
            if let Some(rest) = body.strip_prefix('-') {
                if let Some(done) = current.take() {
                    disks.push(done.finish().map_err(|e| at(&e))?);
                }
                current = Some(PartialDisk::default());
                body = rest.trim_start();
                if body.is_empty() {
                    continue;
                }
            }
            let Some((key, value)) = body.split_once(':') else {
                return Err(at("expected `key: value`"));
            };
            let disk = current
                .as_mut()
                .ok_or_else(|| at("a key outside a `- ` list entry"))?;
            disk.set(key.trim(), unquote(value.trim()))
                .map_err(|e| at(&e))?;
        }
        if let Some(done) = current.take() {
            disks.push(done.finish()?);
        }
        if disks.is_empty() {
            return Err("io_properties: no disks listed".to_owned());
        }
        Ok(disks)
    }

    /// The properties of the disk holding `data_dir`: the entry whose
    /// mountpoint is the longest prefix of it, else the first entry.
    pub fn for_directory(disks: &[DiskEntry], data_dir: &Path) -> Option<IoProperties> {
        disks
            .iter()
            .filter(|d| data_dir.starts_with(&d.mountpoint))
            .max_by_key(|d| d.mountpoint.len())
            .or_else(|| disks.first())
            .map(|d| d.properties)
    }
}

#[derive(Debug, Default)]
struct PartialDisk {
    mountpoint: String,
    read_iops: Option<u64>,
    read_bandwidth: Option<u64>,
    write_iops: Option<u64>,
    write_bandwidth: Option<u64>,
}

impl PartialDisk {
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let number = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{key} must be a positive integer, got {value:?}"))
        };
        match key {
            "mountpoint" => self.mountpoint = value.to_owned(),
            "read_iops" => self.read_iops = Some(number()?),
            "read_bandwidth" => self.read_bandwidth = Some(number()?),
            "write_iops" => self.write_iops = Some(number()?),
            "write_bandwidth" => self.write_bandwidth = Some(number()?),
            // Other tools' keys (e.g. ScyllaDB's per-request-size tables) are ignored.
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<DiskEntry, String> {
        let missing =
            |name: &str| format!("io_properties: disk {:?} lacks {name}", self.mountpoint);
        Ok(DiskEntry {
            properties: IoProperties {
                read_iops: self.read_iops.ok_or_else(|| missing("read_iops"))?,
                read_bandwidth_bytes_per_s: self
                    .read_bandwidth
                    .ok_or_else(|| missing("read_bandwidth"))?,
                write_iops: self.write_iops.ok_or_else(|| missing("write_iops"))?,
                write_bandwidth_bytes_per_s: self
                    .write_bandwidth
                    .ok_or_else(|| missing("write_bandwidth"))?,
            },
            mountpoint: self.mountpoint,
        })
    }
}

/// Drops a `#` comment that is not inside double quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if quoted && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            '#' if !quoted => return line.get(..i).unwrap_or(line),
            _ => {}
        }
        escaped = false;
    }
    line
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IOTUNE: &str = "# written by sibyl-iotune: 4 KiB random IOPS\n\
        disks:\n  - mountpoint: /var/lib/sibyl\n    read_iops: 95000\n    read_bandwidth: 1450000000 # seq\n    write_iops: 60000\n    write_bandwidth: 900000000\n\
          - mountpoint: \"/mnt/my disk: #2\"\n    read_iops: 1\n    read_bandwidth: 2\n    write_iops: 3\n    write_bandwidth: 4\n";

    #[test]
    fn parses_what_sibyl_iotune_writes() {
        let disks = IoProperties::parse(IOTUNE).unwrap();
        assert_eq!(disks.len(), 2);
        assert_eq!(disks[0].mountpoint, "/var/lib/sibyl");
        assert_eq!(
            disks[0].properties,
            IoProperties {
                read_iops: 95_000,
                read_bandwidth_bytes_per_s: 1_450_000_000,
                write_iops: 60_000,
                write_bandwidth_bytes_per_s: 900_000_000,
            }
        );
        assert_eq!(disks[1].mountpoint, "/mnt/my disk: #2");
        let pick = |dir: &str| IoProperties::for_directory(&disks, Path::new(dir)).unwrap();
        assert_eq!(pick("/mnt/my disk: #2/data").read_iops, 1);
        assert_eq!(pick("/var/lib/sibyl/data").read_iops, 95_000);
        assert_eq!(pick("/elsewhere").read_iops, 95_000);
        assert_eq!(disks[0].properties.per_shard(4).read_iops, 23_750);
    }

    #[test]
    fn rejects_incomplete_or_bad_documents() {
        assert!(IoProperties::parse("").is_err());
        assert!(IoProperties::parse("disks:\n  - mountpoint: /\n    read_iops: 5\n").is_err());
        let bad = "disks:\n  - mountpoint: /\n    read_iops: lots\n";
        assert!(IoProperties::parse(bad).unwrap_err().contains("line 3"));
        assert!(IoProperties::parse("disks:\n  - mountpoint: /\n    read_iops: 0\n").is_err());
    }
}
