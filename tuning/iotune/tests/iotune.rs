//! Runs the real binary for about a second on a temporary directory under the
//! target dir (a disk that supports O_DIRECT, unlike tmpfs) and parses the YAML.

use std::process::Command;

#[derive(Debug, serde::Deserialize)]
struct Properties {
    disks: Vec<Disk>,
}

#[derive(Debug, serde::Deserialize)]
struct Disk {
    mountpoint: String,
    read_iops: u64,
    read_bandwidth: u64,
    write_iops: u64,
    write_bandwidth: u64,
}

#[test]
fn one_second_run_writes_parsable_io_properties() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let output = dir.path().join("io_properties.yaml");
    let status = Command::new(env!("CARGO_BIN_EXE_sibyl-iotune"))
        .args([
            "--duration",
            "1s",
            "--file-size",
            "32MiB",
            "--queue-depth",
            "8",
        ])
        .arg("--directory")
        .arg(dir.path())
        .arg("--output")
        .arg(&output)
        .status()
        .expect("run sibyl-iotune");
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&output).expect("yaml written");
    let properties: Properties = serde_norway::from_str(&text).expect("valid yaml");
    let [disk] = properties.disks.as_slice() else {
        panic!("one disk expected: {text}");
    };
    assert!(disk.mountpoint.starts_with('/'), "{text}");
    for (name, value) in [
        ("read_iops", disk.read_iops),
        ("read_bandwidth", disk.read_bandwidth),
        ("write_iops", disk.write_iops),
        ("write_bandwidth", disk.write_bandwidth),
    ] {
        assert!(value > 0, "{name} is 0: {text}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "test file left behind: {leftovers:?}");
}
