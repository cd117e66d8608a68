//! Short runs of every command against the mock, with request counts checked
//! on it and errors injected by it (`sibyl_runs` runs them against sibyl).

use std::sync::atomic::Ordering;

use sibyl_stress::mock::MockConfig;

use crate::target::Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_run_executes_exactly_n_operations() {
    let target = Target::mock(MockConfig::default()).await;
    let (summary, out) = target.run("write n=3000 no-warmup -rate threads=16").await;
    let summary = summary.expect("run");
    assert_eq!(summary.total_ops, 3000);
    assert_eq!(summary.total_errors, 0);
    assert!(out.contains("Op rate"), "{out}");
    if let Some(mock) = &target.mock {
        assert_eq!(mock.executes(), 3000);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_verify_passes_on_written_data_and_reports_mismatches() {
    let target = Target::mock(MockConfig::default()).await;
    target
        .run("write n=500 no-warmup -rate threads=8")
        .await
        .0
        .expect("write");
    let (summary, _) = target
        .run("read n=500 verify no-warmup -rate threads=8 -pop seq=1..500")
        .await;
    let summary = summary.expect("read");
    assert_eq!(summary.total_errors, 0);
    assert_eq!(summary.total_rows, 500);

    let corrupt = Target::mock(MockConfig {
        corrupt_every: Some(5),
        ..MockConfig::default()
    })
    .await;
    if corrupt.mock.is_none() {
        return;
    }
    let (summary, out) = corrupt
        .run("read n=500 verify no-warmup -rate threads=8 -pop seq=1..500")
        .await;
    let summary = summary.expect("read");
    assert_eq!(summary.errors.get("mismatch"), Some(&100), "{out}");
    assert!(out.contains("Verification failure: seed"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_run_follows_the_ratio() {
    let target = Target::mock(MockConfig::default()).await;
    let (summary, out) = target
        .run("mixed n=4000 ratio(write=1,read=3) no-warmup -rate threads=16")
        .await;
    let summary = summary.expect("mixed");
    assert_eq!(summary.total_ops, 4000);
    let writes = summary
        .ops
        .iter()
        .find(|o| o.op == "write")
        .expect("write")
        .ops;
    let reads = summary
        .ops
        .iter()
        .find(|o| o.op == "read")
        .expect("read")
        .ops;
    assert_eq!(writes + reads, 4000);
    assert!((800..1200).contains(&writes), "writes {writes}\n{out}");
    assert!(out.contains("total"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_write_and_read() {
    let target = Target::mock(MockConfig::default()).await;
    let (summary, _) = target
        .run("counter_write n=300 no-warmup -rate threads=4")
        .await;
    assert_eq!(summary.expect("counter_write").total_ops, 300);
    let (summary, _) = target
        .run("counter_read n=300 no-warmup -rate threads=4 -pop seq=1..300")
        .await;
    let summary = summary.expect("counter_read");
    assert_eq!(summary.total_rows, 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_profiles_run_inserts_and_queries() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles");
    let target = Target::mock(MockConfig::default()).await;
    let (summary, out) = target
        .run(&format!("user profile={dir}/iot.yaml ops(insert=2,latest=1,window=1) n=400 no-warmup -rate threads=8"))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("iot: {e}\n{out}"));
    assert_eq!(summary.total_ops, 400);
    assert_eq!(summary.total_errors, 0);
    assert_eq!(summary.ops.len(), 3);

    let target = Target::mock(MockConfig::default()).await;
    let (summary, out) = target
        .run(&format!("user profile={dir}/messaging.yaml ops(insert=1,recent=1,one=1) n=300 no-warmup -rate threads=8"))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("messaging: {e}\n{out}"));
    assert_eq!(summary.total_ops, 300);
    if let Some(mock) = &target.mock {
        let inserts = summary
            .ops
            .iter()
            .find(|o| o.op == "insert")
            .expect("insert")
            .ops;
        let batches = mock.counters().batches.load(Ordering::Relaxed);
        let executes = mock.executes();
        assert_eq!(batches + executes, 300, "every op is one request");
        assert!(batches <= inserts);
        assert!(summary.total_rows >= inserts);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_errors_are_counted_by_kind_and_stop_the_run_without_ignore() {
    let target = Target::mock(MockConfig {
        fail_every: Some(10),
        ..MockConfig::default()
    })
    .await;
    if target.mock.is_none() {
        return;
    }
    let (summary, _) = target
        .run("write n=1000 no-warmup -rate threads=1 -errors ignore")
        .await;
    let summary = summary.expect("run");
    assert_eq!(summary.total_ops, 1000);
    assert_eq!(summary.errors.get("write_timeout"), Some(&100));

    let (result, out) = target
        .run("write n=1000 no-warmup -rate threads=1 -errors retries=0")
        .await;
    let error = result.expect_err("must stop").to_string();
    assert!(error.contains("after 1 attempts"), "{error}");
    assert!(
        out.contains("Total errors              :          1"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rate_is_within_one_percent_of_the_request() {
    let _timing = crate::timing::exclusive();
    let target = Target::mock(MockConfig::default()).await;
    let (summary, out) = target
        .run("write duration=3s no-warmup -rate threads=32 fixed=2000/s")
        .await;
    let summary = summary.expect("run");
    let achieved = summary.achieved_rate_ops_per_s;
    assert!(
        (achieved - 2000.0).abs() / 2000.0 < 0.01,
        "achieved {achieved}\n{out}"
    );
    assert_eq!(summary.total_ops, 6000);
    assert_eq!(summary.requested_rate_ops_per_s, Some(2000.0));
}
