//! HDR log, JSON summary and HTML report written by runs against sibyl and
//! read back; `compare` on a mock run's results.

use std::path::Path;

use sibyl_stress::mock::MockConfig;
use sibyl_stress::report::compare::{RunSeries, compare};
use sibyl_stress::report::hdr_log::read_log;
use sibyl_stress::report::{RunSummary, html};

use crate::target::{SCHEMA, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hdr_log_and_json_summary_parse_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hdr, json) = (dir.path().join("run.hdr"), dir.path().join("run.json"));
    let target = Target::sibyl();
    let line = format!(
        "mixed duration=2s no-warmup -rate threads=8 fixed=1000/s -log interval=500ms hdrfile={} json={} {SCHEMA}",
        hdr.display(),
        json.display()
    );
    let summary = target.run(&line).await.0.expect("run");
    let intervals = read_log(&hdr).expect("hdr");
    let tags: std::collections::BTreeSet<String> =
        intervals.iter().filter_map(|i| i.tag.clone()).collect();
    for tag in ["WRITE-rt", "WRITE-st", "READ-rt", "READ-st"] {
        assert!(tags.contains(tag), "{tags:?}");
    }
    let logged: u64 = intervals
        .iter()
        .filter(|i| i.tag.as_deref().is_some_and(|t| t.ends_with("-rt")))
        .map(|i| i.histogram.len())
        .sum();
    assert_eq!(logged, summary.total_ops);
    let text = std::fs::read_to_string(&hdr).expect("read");
    assert!(text.contains("#[StartTime: "), "{text}");
    let read = RunSummary::read(&json).expect("json");
    assert_eq!(
        (read.total_ops, read.intervals.len(), &read.errors),
        (summary.total_ops, summary.intervals.len(), &summary.errors)
    );
    assert!((read.latency.p99_ms - summary.latency.p99_ms).abs() < 1e-9);
    assert!(read.totals_over_time().count() >= 4);
    let interval_ops: u64 = read.totals_over_time().map(|i| i.ops).sum();
    assert_eq!(
        interval_ops, read.total_ops,
        "no sample lost between intervals"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_overlays_two_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.html");
    let target = Target::sibyl();
    for (title, revision) in [("baseline", "r1"), ("candidate", "r2")] {
        let line = format!(
            "write duration=1s no-warmup -rate threads=4 fixed=500/s -log interval=250ms -graph file={} title={title} revision={revision} {SCHEMA}",
            report.display()
        );
        target.run(&line).await.0.expect("run");
    }
    let runs = html::read_runs(&report).expect("runs");
    assert_eq!(runs.len(), 2);
    let page = std::fs::read_to_string(&report).expect("html");
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "throughput, latency, service time"
    );
    for label in ["1: baseline (r1)", "2: candidate (r2)"] {
        assert!(page.contains(&format!("data-label=\"{label}\"")), "{label}");
    }
    assert!(page.contains("data-label=\"2 p99\""));
    assert!(
        !page.contains("http://")
            || page
                .matches("http://")
                .all(|_| page.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
}

fn shifted(summary: &RunSummary, factor: f64) -> RunSummary {
    let mut copy = summary.clone();
    for interval in &mut copy.intervals {
        interval.op_rate *= factor;
        interval.latency.mean_ms += 100.0 * factor;
        interval.latency.p99_ms += 100.0 * factor;
    }
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_tells_same_from_different() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (json, hdr) = (dir.path().join("a.json"), dir.path().join("a.hdr"));
    let target = Target::mock(MockConfig::default()).await;
    let line = format!(
        "write duration=2s no-warmup -rate threads=8 fixed=1000/s -log interval=200ms json={} hdrfile={}",
        json.display(),
        hdr.display()
    );
    let summary = target.run(&line).await.0.expect("run");
    let a = RunSeries::from_summary(&summary);
    let same = compare(&a, &a, 0.01).expect("compare");
    assert!(same.iter().all(|m| !m.significant));
    let b = RunSeries::from_summary(&shifted(&summary, 3.0));
    let different = compare(&a, &b, 0.01).expect("compare");
    assert!(different.iter().all(|m| m.significant), "{different:?}");
    let from_log = RunSeries::load(Path::new(&hdr)).expect("hdr");
    let from_json = RunSeries::load(Path::new(&json)).expect("json");
    assert!(from_log.throughput_ops_per_s.len() >= 8);
    assert!(!compare(&from_log, &from_json, 0.001).expect("compare")[0].significant);
    let mut out = Vec::new();
    sibyl_stress::run::cli_main(
        &[
            "compare".into(),
            json.display().to_string(),
            hdr.display().to_string(),
        ],
        &mut out,
    )
    .await
    .expect("cli compare");
    assert!(
        String::from_utf8(out)
            .expect("utf8")
            .contains("throughput [op/s]")
    );
}
