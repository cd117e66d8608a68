//! Conditional batches through the ScyllaDB Rust driver against the real
//! binary on two shards: prepared statements in a batch with IF clauses on
//! several rows of one partition, all or nothing, and Cassandra's result
//! rows when the conditions fail.

use std::time::Duration;

use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::batch::Batch;

use crate::node::SibylProcess;

async fn connect(node: &SibylProcess) -> Session {
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

type CasRow = (bool, Option<i32>, Option<i32>, Option<i32>);

#[test]
fn rust_driver_conditional_batches_are_all_or_nothing() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let session = connect(&node).await;
        session
            .query_unpaged("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
            .await
            .expect("create keyspace");
        session
            .query_unpaged("CREATE TABLE ks.stock (shop int, item int, qty int, PRIMARY KEY (shop, item))", ())
            .await
            .expect("create table");
        session.await_schema_agreement().await.expect("schema agreement");
        let insert = session
            .prepare("INSERT INTO ks.stock (shop, item, qty) VALUES (?, ?, ?) IF NOT EXISTS")
            .await
            .expect("prepare insert");
        let take = session
            .prepare("UPDATE ks.stock SET qty = ? WHERE shop = ? AND item = ? IF qty = ?")
            .await
            .expect("prepare update");

        let mut batch = Batch::default();
        batch.append_statement(insert.clone());
        batch.append_statement(insert.clone());
        let result = session
            .batch(&batch, ((7, 1, 10), (7, 2, 20)))
            .await
            .expect("conditional batch");
        let (applied,): (bool,) = result
            .into_rows_result()
            .expect("rows")
            .single_row()
            .expect("one row");
        assert!(applied);

        // The second condition fails, so neither update applies, and both
        // checked rows come back with their key and condition columns.
        let mut batch = Batch::default();
        batch.append_statement(take.clone());
        batch.append_statement(take.clone());
        let rows: Vec<CasRow> = session
            .batch(&batch, ((9, 7, 1, 10), (19, 7, 2, 999)))
            .await
            .expect("failing conditional batch")
            .into_rows_result()
            .expect("rows")
            .rows::<CasRow>()
            .expect("typed rows")
            .collect::<Result<_, _>>()
            .expect("decode");
        assert_eq!(
            rows,
            vec![
                (false, Some(7), Some(1), Some(10)),
                (false, Some(7), Some(2), Some(20))
            ]
        );

        let rows: Vec<(i32,)> = session
            .query_unpaged("SELECT qty FROM ks.stock WHERE shop = 7", ())
            .await
            .expect("select")
            .into_rows_result()
            .expect("rows")
            .rows::<(i32,)>()
            .expect("typed rows")
            .collect::<Result<_, _>>()
            .expect("decode");
        assert_eq!(rows, vec![(10,), (20,)]);

        // A batch over two partitions is refused with Cassandra's message.
        let mut batch = Batch::default();
        batch.append_statement(insert.clone());
        batch.append_statement(insert);
        let error = session
            .batch(&batch, ((8, 1, 1), (9, 1, 1)))
            .await
            .expect_err("two partitions");
        assert!(
            error
                .to_string()
                .contains("Batch with conditions cannot span multiple partitions"),
            "{error}"
        );
    });
}
