//! Writes `io_properties.yaml` by hand: the format is four numbers per disk
//! and must stay readable by ScyllaDB's tools and by the server.

use crate::measure::Measured;

/// The YAML document for one disk.
pub fn render(mountpoint: &str, measured: &Measured) -> String {
    format!(
        "# written by sibyl-iotune: 4 KiB random IOPS and 128 KiB sequential bytes/s, O_DIRECT\n\
         disks:\n  - mountpoint: {}\n    read_iops: {}\n    read_bandwidth: {}\n    write_iops: {}\n    write_bandwidth: {}\n",
        quote(mountpoint),
        measured.read_iops,
        measured.read_bandwidth_bytes_per_s,
        measured.write_iops,
        measured.write_bandwidth_bytes_per_s,
    )
}

/// Plain scalars unless the path has characters YAML would misread.
fn quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
        && !text.is_empty()
    {
        text.to_owned()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_mountpoints_are_quoted() {
        assert_eq!(quote("/var/lib/sibyl"), "/var/lib/sibyl");
        assert_eq!(quote("/mnt/my disk: 1"), "\"/mnt/my disk: 1\"");
    }
}
