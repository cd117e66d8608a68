//! The ScyllaDB Rust driver (what latte and sibyl-stress use) against the
//! real binary on two shards: shard-aware connections, metadata, DDL with
//! schema agreement, prepared statements routed by token, paging.

use std::time::Duration;

use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;

use crate::node::SibylProcess;

pub(crate) async fn connect(node: &SibylProcess) -> Session {
    tokio::time::timeout(
        Duration::from_secs(30),
        SessionBuilder::new()
            .known_node_addr(node.native)
            .connection_timeout(Duration::from_secs(5))
            .build(),
    )
    .await
    .expect("the Rust driver hung instead of connecting")
    .expect("the Rust driver connects")
}

#[test]
fn rust_driver_connects_creates_writes_and_pages() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let session = connect(&node).await;
        let (release,): (String,) = session
            .query_unpaged("SELECT release_version FROM system.local WHERE key = 'local'", ())
            .await
            .expect("system.local")
            .into_rows_result()
            .expect("rows")
            .single_row()
            .expect("one row");
        assert_eq!(release, "5.0.0");
        session
            .query_unpaged("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
            .await
            .expect("create keyspace");
        session
            .query_unpaged("CREATE TABLE ks.kv (k bigint, c int, v text, PRIMARY KEY (k, c))", ())
            .await
            .expect("create table");
        session.await_schema_agreement().await.expect("schema agreement");
        let insert = session.prepare("INSERT INTO ks.kv (k, c, v) VALUES (?, ?, ?)").await.expect("prepare");
        for k in 0..200i64 {
            for c in 0..3i32 {
                session.execute_unpaged(&insert, (k, c, format!("{k}:{c}"))).await.expect("insert");
            }
        }
        let select = session.prepare("SELECT c, v FROM ks.kv WHERE k = ?").await.expect("prepare select");
        let rows: Vec<(i32, String)> = session
            .execute_unpaged(&select, (42i64,))
            .await
            .expect("select")
            .into_rows_result()
            .expect("rows")
            .rows::<(i32, String)>()
            .expect("typed")
            .collect::<Result<_, _>>()
            .expect("decode");
        assert_eq!(rows, vec![(0, "42:0".into()), (1, "42:1".into()), (2, "42:2".into())]);
        // A full scan in pages of 50 across both shards sees every row once.
        let mut scan = scylla::statement::Statement::new("SELECT k, c FROM ks.kv");
        scan.set_page_size(50);
        let mut pager = session.query_iter(scan, ()).await.expect("scan").rows_stream::<(i64, i32)>().expect("typed");
        let mut seen = std::collections::BTreeSet::new();
        use futures_lite::StreamExt;
        while let Some(row) = pager.next().await {
            assert!(seen.insert(row.expect("row")), "a row came back twice");
        }
        assert_eq!(seen.len(), 600);
    });
}
