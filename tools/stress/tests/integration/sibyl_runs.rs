//! Short runs of every command against a real `sibyl`, with what they wrote
//! counted afterwards by `SELECT count(*)` through the driver; the fixed-rate
//! accuracy check over the 10 s.

use sibyl_stress::report::RunSummary;

use crate::target::{SCHEMA, Target};

fn op_count(summary: &RunSummary, op: &str) -> u64 {
    summary
        .ops
        .iter()
        .find(|o| o.op == op)
        .unwrap_or_else(|| panic!("no {op} in {:?}", summary.ops))
        .ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_then_read_verify_against_sibyl() {
    let target = Target::sibyl();
    let (summary, out) = target
        .run(&format!("write n=3000 no-warmup -rate threads=16 {SCHEMA}"))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("write: {e}\n{out}"));
    assert_eq!(
        (summary.total_ops, summary.total_errors),
        (3000, 0),
        "{out}"
    );
    assert_eq!(target.count("keyspace1.standard1").await, 3000);

    let (summary, out) = target
        .run("read n=3000 verify no-warmup -rate threads=16 -pop seq=1..3000")
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("read: {e}\n{out}"));
    assert_eq!(summary.total_errors, 0, "{out}");
    assert_eq!(summary.total_rows, 3000, "every key found\n{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_run_writes_its_share_of_rows_in_sibyl() {
    let target = Target::sibyl();
    let line = format!(
        "mixed n=4000 ratio(write=1,read=3) no-warmup -rate threads=16 -pop seq=1..4000 {SCHEMA}"
    );
    let (summary, out) = target.run(&line).await;
    let summary = summary.unwrap_or_else(|e| panic!("mixed: {e}\n{out}"));
    assert_eq!(
        (summary.total_ops, summary.total_errors),
        (4000, 0),
        "{out}"
    );
    let writes = op_count(&summary, "write");
    assert_eq!(writes + op_count(&summary, "read"), 4000);
    assert!((800..1200).contains(&writes), "writes {writes}\n{out}");
    // A sequential population gives every write its own key.
    assert_eq!(target.count("keyspace1.standard1").await, writes as i64);
}

/// Inserts only, then the profile's queries; rows counted in between. Two
/// inserts may pick the same partition and rows, hence the 90 % floor.
async fn profile_run(target: &Target, profile: &str, table: &str, queries: &str) {
    let path = format!("{}/profiles/{profile}", env!("CARGO_MANIFEST_DIR"));
    let line = format!("user profile={path} ops(insert=1) n=200 no-warmup -rate threads=8");
    let (summary, out) = target.run(&line).await;
    let summary = summary.unwrap_or_else(|e| panic!("{profile} insert: {e}\n{out}"));
    assert_eq!((summary.total_ops, summary.total_errors), (200, 0), "{out}");
    let written = summary.total_rows as i64;
    let count = target.count(table).await;
    assert!(
        count <= written && count * 10 >= written * 9,
        "{count} rows in {table} after writing {written}\n{out}"
    );

    let line = format!("user profile={path} ops({queries}) n=300 no-warmup -rate threads=8");
    let (summary, out) = target.run(&line).await;
    let summary = summary.unwrap_or_else(|e| panic!("{profile} queries: {e}\n{out}"));
    assert_eq!((summary.total_ops, summary.total_errors), (300, 0), "{out}");
    assert_eq!(summary.ops.len(), 3, "{out}");
    assert!(target.count(table).await >= count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_profiles_against_sibyl() {
    let target = Target::sibyl();
    profile_run(
        &target,
        "iot.yaml",
        "iot.readings",
        "insert=2,latest=1,window=1",
    )
    .await;
    profile_run(
        &target,
        "messaging.yaml",
        "chat.messages",
        "insert=1,recent=1,one=1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_schema_creates_standard1() {
    let target = Target::sibyl();
    let (summary, out) = target.run("write n=100 no-warmup -rate threads=4").await;
    let summary = summary.unwrap_or_else(|e| panic!("write: {e}\n{out}"));
    assert_eq!(summary.total_errors, 0, "{out}");
    assert_eq!(target.count("keyspace1.standard1").await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_write_and_read_against_sibyl() {
    let target = Target::sibyl();
    let (summary, out) = target
        .run(&format!(
            "counter_write n=300 no-warmup -rate threads=4 {SCHEMA}"
        ))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("counter_write: {e}\n{out}"));
    assert_eq!((summary.total_ops, summary.total_errors), (300, 0), "{out}");
    assert_eq!(target.count("keyspace1.counter1").await, 300);
    let (summary, out) = target
        .run("counter_read n=300 no-warmup -rate threads=4 -pop seq=1..300")
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("counter_read: {e}\n{out}"));
    assert_eq!(
        (summary.total_rows, summary.total_errors),
        (300, 0),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rate_is_within_one_percent_over_ten_seconds_against_sibyl() {
    let _timing = crate::timing::exclusive();
    let target = Target::sibyl();
    // Schema, prepared statement and connections first: the measured run's
    // first operations must not wait for them. Many workers, so that a server
    // hiccup on a busy machine delays the schedule as little as possible.
    let warmup = format!("write n=2000 no-warmup -rate threads=32 {SCHEMA}");
    target.run(&warmup).await.0.expect("warm-up");
    let line = format!("write duration=10s no-warmup -rate threads=128 fixed=1000/s {SCHEMA}");
    let (summary, out) = target.run(&line).await;
    let summary = summary.unwrap_or_else(|e| panic!("write: {e}\n{out}"));
    let achieved = summary.achieved_rate_ops_per_s;
    assert!(
        (achieved - 1000.0).abs() / 1000.0 < 0.01,
        "achieved {achieved}\n{out}"
    );
    assert_eq!((summary.total_ops, summary.total_errors), (10_000, 0));
    assert_eq!(summary.requested_rate_ops_per_s, Some(1000.0));
    // The warm-up's keys 1..=2000 are among the run's 1..=10000.
    assert_eq!(target.count("keyspace1.standard1").await, 10_000);
}
