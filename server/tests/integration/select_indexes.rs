//! The ScyllaDB Rust driver (shard-aware, two shards) against the real
//! binary: index-backed SELECTs paged across shards, multi-column clustering
//! restrictions with tuple markers, map-element restrictions through an
//! entries() index.

use std::collections::BTreeSet;

use futures_lite::StreamExt;
use scylla::client::session::Session;
use scylla::statement::Statement;

use crate::node::SibylProcess;
use crate::real_drivers::connect;

async fn ddl(session: &Session, statement: &str) {
    session.query_unpaged(statement, ()).await.expect(statement);
}

/// Runs a prepared clustering query unpaged and decodes its (c1, c2) rows.
async fn pairs(
    session: &Session,
    statement: &scylla::statement::prepared::PreparedStatement,
    values: impl scylla::serialize::row::SerializeRow,
) -> Vec<(i32, i32)> {
    session
        .execute_unpaged(statement, values)
        .await
        .expect("execute")
        .into_rows_result()
        .expect("rows")
        .rows::<(i32, i32)>()
        .expect("typed")
        .collect::<Result<_, _>>()
        .expect("decode")
}

#[test]
fn index_queries_page_across_shards_with_the_rust_driver() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let session = connect(&node).await;
        ddl(&session, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await;
        ddl(&session, "CREATE TABLE ks.events (k bigint, c1 int, c2 int, kind text, attrs map<text, text>, PRIMARY KEY (k, c1, c2))").await;
        ddl(&session, "CREATE INDEX ON ks.events (kind) USING 'sai'").await;
        ddl(&session, "CREATE INDEX ON ks.events (entries(attrs))").await;
        session.await_schema_agreement().await.expect("schema agreement");
        let insert = session
            .prepare("INSERT INTO ks.events (k, c1, c2, kind, attrs) VALUES (?, ?, ?, ?, ?)")
            .await
            .expect("prepare insert");
        let mut alerts = BTreeSet::new();
        for k in 0..150i64 {
            for c1 in 0..2i32 {
                for c2 in 0..2i32 {
                    let alert = (k + i64::from(c1 + c2)) % 4 == 0;
                    let kind = if alert { "alert" } else { "info" };
                    let attrs = std::collections::HashMap::from([(
                        "zone".to_owned(),
                        format!("z{}", k % 3),
                    )]);
                    session
                        .execute_unpaged(&insert, (k, c1, c2, kind, attrs))
                        .await
                        .expect("insert");
                    if alert {
                        alerts.insert((k, c1, c2));
                    }
                }
            }
        }
        // Pages of 9 from both shards: every matching row once, no more.
        let mut query = Statement::new("SELECT k, c1, c2 FROM ks.events WHERE kind = 'alert'");
        query.set_page_size(9);
        let mut pager = session
            .query_iter(query, ())
            .await
            .expect("index query")
            .rows_stream::<(i64, i32, i32)>()
            .expect("typed");
        let mut seen = BTreeSet::new();
        let mut count = 0;
        while let Some(row) = pager.next().await {
            assert!(seen.insert(row.expect("row")), "a row came back twice");
            count += 1;
        }
        assert_eq!(count, alerts.len());
        assert_eq!(seen, alerts);

        // m['k'] = v answered by the entries() index, also paged.
        let mut by_zone = Statement::new("SELECT k FROM ks.events WHERE attrs['zone'] = 'z1'");
        by_zone.set_page_size(25);
        let zone_rows: Vec<(i64,)> = session
            .query_iter(by_zone, ())
            .await
            .expect("entries query")
            .rows_stream::<(i64,)>()
            .expect("typed")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(zone_rows.len(), 50 * 4);
        assert!(zone_rows.iter().all(|(k,)| k % 3 == 1));

        // Multi-column restrictions with whole-tuple markers.
        let tuple_in = session
            .prepare("SELECT c1, c2 FROM ks.events WHERE k = ? AND (c1, c2) IN ?")
            .await
            .expect("prepare tuple IN");
        let rows = pairs(&session, &tuple_in, (7i64, vec![(1i32, 0i32), (0, 1)])).await;
        assert_eq!(rows, vec![(0, 1), (1, 0)]);
        let tuple_slice = session
            .prepare("SELECT c1, c2 FROM ks.events WHERE k = ? AND (c1, c2) > ?")
            .await
            .expect("prepare tuple slice");
        let rows = pairs(&session, &tuple_slice, (7i64, (0i32, 0i32))).await;
        assert_eq!(rows, vec![(0, 1), (1, 0), (1, 1)]);
    });
}
