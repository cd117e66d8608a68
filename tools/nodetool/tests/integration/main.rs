//! `sibyl-nodetool` against the real server binary: `target/debug/sibyl`
//! (or `$SIBYL_BIN`), built beforehand (`cargo build -p sibyl-server`). The
//! tests skip with a message when it is missing, because one package's tests
//! cannot build another package's binary.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn server_binary() -> Option<PathBuf> {
    let path = std::env::var_os("SIBYL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/sibyl")
        });
    path.exists().then_some(path)
}

/// A `sibyl` process on loopback with OS-chosen ports; killed on drop.
struct Server {
    child: Child,
    api: SocketAddr,
    _workdir: tempfile::TempDir,
}

impl Server {
    #[expect(
        clippy::zombie_processes,
        reason = "Drop kills and waits for the child"
    )]
    fn start(binary: &PathBuf) -> Self {
        let workdir = tempfile::tempdir().unwrap();
        let mut child = Command::new(binary)
            .args(["--smp", "2", "--native-transport-port", "0"])
            .args([
                "--native-shard-aware-transport-port",
                "0",
                "--api-port",
                "0",
            ])
            .arg("--workdir")
            .arg(workdir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                panic!("sibyl did not start within 20 s");
            };
            if let Some(at) = line.find("REST API on ") {
                let api = line[at + "REST API on ".len()..]
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                return Self {
                    child,
                    api,
                    _workdir: workdir,
                };
            }
        }
    }

    fn nodetool(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sibyl-nodetool"))
            .args([
                "-h",
                &self.api.ip().to_string(),
                "-p",
                &self.api.port().to_string(),
            ])
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn nodetool_commands_against_a_real_node() {
    let Some(binary) = server_binary() else {
        eprintln!(
            "skipped: build the server first (cargo build -p sibyl-server); no target/debug/sibyl"
        );
        return;
    };
    let server = Server::start(&binary);

    let version = server.nodetool(&["version"]);
    assert!(version.status.success());
    assert_eq!(text(&version), "ReleaseVersion: 5.0.0\n");

    let status = server.nodetool(&["status"]);
    assert!(status.status.success());
    let out = text(&status);
    assert!(
        out.starts_with("Datacenter: datacenter1\n=======================\n"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("UN  127.0.0.1  ")),
        "{out}"
    );

    let info = server.nodetool(&["info"]);
    assert!(info.status.success());
    assert!(text(&info).contains("Data Center            : datacenter1"));

    for command in [
        &["flush"][..],
        &["flush", "system_schema"],
        &["compact", "system", "local"],
    ] {
        let output = server.nodetool(command);
        assert!(output.status.success(), "{command:?}: {output:?}");
        assert!(output.stdout.is_empty());
    }

    let missing = server.nodetool(&["flush", "no_such_keyspace"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("Can't find a keyspace no_such_keyspace")
    );

    let snapshot = server.nodetool(&["snapshot", "-t", "t1"]);
    assert!(snapshot.status.success());
    assert!(text(&snapshot).contains("Snapshot directory: t1"));

    let unsupported = server.nodetool(&["tpstats"]);
    assert_eq!(unsupported.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unsupported.stderr).contains("not implemented"));
}
