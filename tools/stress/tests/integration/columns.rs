//! Variable column counts (`-col n=DIST`): the table gets the maximum, each
//! row holds the first `columns_for(seed)` columns and the others read as
//! null; verification expects exactly that, against the mock and sibyl.

use scylla::value::{CqlValue, Row};
use sibyl_stress::generate::{DistSpec, KEY_LEN, RowGenerator, key_of_seed};
use sibyl_stress::mock::MockConfig;

use crate::target::{SCHEMA, Target};

const VARIABLE: &str = "UNIFORM(1..10)";

fn generator() -> RowGenerator {
    RowGenerator::with_count(DistSpec::parse(VARIABLE).unwrap(), DistSpec::fixed(34))
}

/// Seeds in `1..=n` whose row holds fewer than all ten columns.
fn short_rows(n: u64) -> u64 {
    let rows = generator();
    (1..=n).filter(|&s| rows.columns_for(s) < 10).count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variable_counts_verify_against_the_mock() {
    let target = Target::mock(MockConfig {
        rows: generator(),
        ..MockConfig::default()
    })
    .await;
    let (summary, out) = target
        .run(&format!(
            "write n=500 no-warmup -rate threads=8 -col n={VARIABLE}"
        ))
        .await;
    assert_eq!(summary.expect("write").total_errors, 0, "{out}");
    let (summary, out) = target
        .run(&format!(
            "read n=500 verify no-warmup -rate threads=8 -pop seq=1..500 -col n={VARIABLE}"
        ))
        .await;
    let summary = summary.expect("read");
    assert_eq!(
        (summary.total_errors, summary.total_rows),
        (0, 500),
        "{out}"
    );

    // A reader expecting all ten columns sees the nulls of the short rows.
    let (summary, out) = target
        .run("read n=500 verify no-warmup -rate threads=8 -pop seq=1..500 -col n=FIXED(10)")
        .await;
    let summary = summary.expect("read");
    let short = short_rows(500);
    assert!(
        short > 300,
        "uniform(1..10) leaves most rows short: {short}"
    );
    assert_eq!(summary.errors.get("mismatch"), Some(&short), "{out}");
}

async fn select_row(target: &Target, keyspace: &str, seed: u64) -> Vec<Option<CqlValue>> {
    let session = target.session().await;
    let mut key = [0u8; KEY_LEN];
    key_of_seed(seed, &mut key);
    let result = session
        .query_unpaged(
            format!(
                "SELECT \"C0\", \"C1\", \"C2\", \"C3\", \"C4\", \"C5\", \"C6\", \"C7\", \"C8\", \"C9\" FROM {keyspace}.standard1 WHERE key = ?"
            ),
            (key.as_slice(),),
        )
        .await
        .expect("select")
        .into_rows_result()
        .expect("rows");
    let row: Row = result.single_row::<Row>().expect("one row");
    row.columns
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variable_counts_leave_unwritten_columns_null_in_sibyl() {
    let target = Target::sibyl();
    let (summary, out) = target
        .run(&format!(
            "write n=1000 no-warmup -rate threads=16 -col n={VARIABLE} {SCHEMA}"
        ))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("write: {e}\n{out}"));
    assert_eq!(
        (summary.total_ops, summary.total_errors),
        (1000, 0),
        "{out}"
    );
    assert_eq!(target.count("keyspace1.standard1").await, 1000);

    // What the server holds: exactly the row's first `columns_for` columns.
    let rows = generator();
    let mut counts = std::collections::BTreeSet::new();
    for seed in 1..=40 {
        let columns = select_row(&target, "keyspace1", seed).await;
        let expected = rows.columns_for(seed);
        counts.insert(expected);
        for (i, value) in columns.iter().enumerate() {
            assert_eq!(
                value.is_some(),
                i < expected,
                "seed {seed} column C{i}: {value:?}"
            );
        }
    }
    assert!(counts.len() >= 5, "counts seen {counts:?}");

    let (summary, out) = target
        .run(&format!(
            "read n=1000 verify no-warmup -rate threads=16 -pop seq=1..1000 -col n={VARIABLE}"
        ))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("read: {e}\n{out}"));
    assert_eq!(
        (summary.total_errors, summary.total_rows),
        (0, 1000),
        "{out}"
    );

    // Verification is strict both ways: all ten columns written where the
    // reader expects nulls is a mismatch for every short row.
    let (summary, out) = target
        .run(&format!(
            "write n=300 no-warmup -rate threads=16 -col n=FIXED(10) -schema keyspace=full compression=LZ4Compressor"
        ))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("write full: {e}\n{out}"));
    assert_eq!(summary.total_errors, 0, "{out}");
    let (summary, out) = target
        .run(&format!(
            "read n=300 verify no-warmup -rate threads=16 -pop seq=1..300 -col n={VARIABLE} -schema keyspace=full"
        ))
        .await;
    let summary = summary.unwrap_or_else(|e| panic!("read full: {e}\n{out}"));
    assert_eq!(
        summary.errors.get("mismatch"),
        Some(&short_rows(300)),
        "{out}"
    );
}
