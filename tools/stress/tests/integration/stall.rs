//! Coordinated omission: during a fixed-rate run the server stops answering
//! for a second. The corrected p99 must show the stall (operations that were
//! due during it waited), the raw service time p99 must not (only the few
//! requests in flight saw it). The stall is injected in the mock, by SIGSTOP of
//! the mock-server process, and by SIGSTOP of a real `sibyl`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use sibyl_stress::mock::MockConfig;
use sibyl_stress::report::RunSummary;

use crate::target::{SCHEMA, Target};

const LINE: &str = "write duration=3s no-warmup -rate threads=16 fixed=1000/s";

/// About a third of the 3000 operations were due during the 1 s stall and
/// waited up to 1 s, so the corrected p99 is close to 1 s; only the 16 in
/// flight (0.5 %) saw it in their service time. The raw bound leaves room for
/// a busy machine's hiccups and stays well apart from the corrected one.
fn check(summary: &RunSummary, out: &str) {
    assert!(
        summary.latency.p99_ms >= 800.0,
        "corrected p99 {} ms\n{out}",
        summary.latency.p99_ms
    );
    assert!(
        summary.raw.p99_ms < 400.0,
        "raw p99 {} ms\n{out}",
        summary.raw.p99_ms
    );
    assert!(
        summary.raw.max_ms >= 800.0,
        "the in-flight requests saw the stall\n{out}"
    );
    assert_eq!(summary.total_ops, 3000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrected_p99_shows_an_in_process_stall_and_raw_does_not() {
    let _timing = crate::timing::exclusive();
    let target = Target::mock(MockConfig::default()).await;
    let Some(mock) = &target.mock else { return };
    let run = target.run(LINE);
    let stall = async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        mock.stall_for(Duration::from_secs(1));
    };
    let ((summary, out), ()) = tokio::join!(run, stall);
    check(&summary.expect("run"), &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrected_p99_shows_a_sigstop_of_the_mock_server_process() {
    let _timing = crate::timing::exclusive();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sibyl-stress"))
        .args(["mock-server", "port=0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_owned();
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let target = Target {
        mock: None,
        sibyl: None,
        host: host.into(),
        port: port.parse().expect("port"),
    };
    let pid = child.id() as i32;
    let run = target.run(LINE);
    let stall = async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        tokio::time::sleep(Duration::from_secs(1)).await;
        unsafe { libc::kill(pid, libc::SIGCONT) };
    };
    let ((summary, out), ()) = tokio::join!(run, stall);
    let _ = child.kill();
    let _ = child.wait();
    check(&summary.expect("run"), &out);
}

/// Stops the real server's process for 1 s in the middle of a fixed-rate run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrected_p99_shows_a_sigstop_of_sibyl() {
    let _timing = crate::timing::exclusive();
    let target = Target::spawn_sibyl();
    let pid = target.sibyl.as_ref().expect("own process").pid();
    // Creates the schema and warms the connections, so the measured run only
    // sees the stall.
    let warmup = format!("write n=200 no-warmup -rate threads=16 {SCHEMA}");
    target.run(&warmup).await.0.expect("schema");
    let run = target.run(LINE);
    let stall = async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        // SAFETY: signalling our own child process by PID.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        tokio::time::sleep(Duration::from_secs(1)).await;
        unsafe { libc::kill(pid, libc::SIGCONT) };
    };
    let ((summary, out), ()) = tokio::join!(run, stall);
    check(&summary.expect("run"), &out);
}
