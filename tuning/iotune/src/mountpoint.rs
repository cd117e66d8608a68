//! Finds the mountpoint holding a directory, from /proc/self/mountinfo: the
//! longest mount path that is a prefix of the canonical directory.

use std::path::Path;

/// The mountpoint of `directory`, or the directory itself if unknown.
pub fn of(directory: &Path) -> String {
    let canonical = directory
        .canonicalize()
        .unwrap_or_else(|_| directory.to_path_buf());
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return canonical.display().to_string();
    };
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(unescape)
        .filter(|mount| canonical.starts_with(mount))
        .max_by_key(|mount| mount.len())
        .unwrap_or_else(|| canonical.display().to_string())
}

/// mountinfo escapes space, tab, newline and backslash as octal `\NNN`.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_holds_everything() {
        assert!(!of(Path::new("/")).is_empty());
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
    }
}
