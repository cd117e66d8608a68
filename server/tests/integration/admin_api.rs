//! The REST admin API against the real binary on two shards: flush and major
//! compaction of data written with the Rust driver leave SSTables in the
//! workdir and the data readable; identity, listing and error endpoints
//! answer with ScyllaDB's paths and shapes.

use std::path::Path;
use std::time::Duration;

use scylla::client::session_builder::SessionBuilder;

use crate::node::{SibylProcess, http};

/// `Data.db` files of `ks.table` on every shard.
fn data_files(workdir: &Path, keyspace: &str, table: &str) -> Vec<std::path::PathBuf> {
    let prefix = format!("{keyspace}-{table}-");
    let mut found = Vec::new();
    for shard in std::fs::read_dir(workdir.join("data"))
        .expect("data dir")
        .flatten()
    {
        if !shard.file_name().to_string_lossy().starts_with("shard-") {
            continue;
        }
        for dir in std::fs::read_dir(shard.path())
            .expect("shard dir")
            .flatten()
        {
            if !dir.file_name().to_string_lossy().starts_with(&prefix) {
                continue;
            }
            for file in std::fs::read_dir(dir.path()).expect("table dir").flatten() {
                if file.file_name().to_string_lossy().ends_with("Data.db") {
                    found.push(file.path());
                }
            }
        }
    }
    found
}

#[test]
fn flush_and_compaction_over_the_api_keep_data_readable() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let session = runtime.block_on(async {
        let session = SessionBuilder::new()
            .known_node_addr(node.native)
            .connection_timeout(Duration::from_secs(5))
            .build()
            .await
            .expect("connect");
        session
            .query_unpaged(
                "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
                (),
            )
            .await
            .expect("create keyspace");
        session
            .query_unpaged("CREATE TABLE ks.kv (k int PRIMARY KEY, v text)", ())
            .await
            .expect("create table");
        session.await_schema_agreement().await.expect("agreement");
        session
    });
    let insert = |range: std::ops::Range<i32>| {
        runtime.block_on(async {
            let insert = session
                .prepare("INSERT INTO ks.kv (k, v) VALUES (?, ?)")
                .await
                .expect("prepare");
            for k in range {
                session
                    .execute_unpaged(&insert, (k, format!("v{k}")))
                    .await
                    .expect("insert");
            }
        })
    };

    insert(0..100);
    assert!(data_files(node.workdir(), "ks", "kv").is_empty());
    let (status, body) = http(node.api, "POST", "/storage_service/keyspace_flush/ks?cf=kv");
    assert_eq!(status, 200, "{body}");
    let after_first = data_files(node.workdir(), "ks", "kv");
    assert!(!after_first.is_empty(), "flush wrote no SSTable");

    insert(100..200);
    let (status, body) = http(node.api, "POST", "/storage_service/keyspace_flush/ks");
    assert_eq!(status, 200, "{body}");
    let before_compaction = data_files(node.workdir(), "ks", "kv");
    assert!(
        before_compaction.len() > after_first.len(),
        "{before_compaction:?}"
    );

    let (status, body) = http(node.api, "POST", "/storage_service/keyspace_compaction/ks");
    assert_eq!(status, 200, "{body}");
    let compacted = data_files(node.workdir(), "ks", "kv");
    assert!(!compacted.is_empty());
    assert!(
        compacted.len() <= 2,
        "one SSTable per shard at most: {compacted:?}"
    );

    let count: i64 = runtime.block_on(async {
        let (count,): (i64,) = session
            .query_unpaged("SELECT count(*) FROM ks.kv", ())
            .await
            .expect("count")
            .into_rows_result()
            .expect("rows")
            .single_row()
            .expect("one row");
        count
    });
    assert_eq!(count, 200);
    let (v,): (String,) = runtime.block_on(async {
        session
            .query_unpaged("SELECT v FROM ks.kv WHERE k = 150", ())
            .await
            .expect("select")
            .into_rows_result()
            .expect("rows")
            .single_row()
            .expect("one row")
    });
    assert_eq!(v, "v150");

    let (status, body) = http(node.api, "GET", "/column_family/");
    assert_eq!(status, 200);
    assert!(
        body.as_array()
            .expect("list")
            .contains(&serde_json::json!({"ks": "ks", "cf": "kv", "type": "ColumnFamilies"})),
        "{body}"
    );
    let (_, keyspaces) = http(node.api, "GET", "/storage_service/keyspaces?type=user");
    assert_eq!(keyspaces, serde_json::json!(["ks"]));
}

#[test]
fn api_errors_and_identity_look_like_scylla() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let (status, body) = http(node.api, "POST", "/storage_service/keyspace_flush/nope");
    assert_eq!(status, 400);
    assert_eq!(body["code"], 400);
    assert_eq!(body["message"], "Can't find a keyspace nope");
    let (status, body) = http(
        node.api,
        "POST",
        "/storage_service/keyspace_compaction/system?cf=nope",
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Can't find a column family nope in keyspace system"
    );
    let (status, body) = http(node.api, "GET", "/storage_service/release_version");
    assert_eq!((status, body), (200, serde_json::json!("5.0.0")));
    let (_, host_id) = http(node.api, "GET", "/storage_service/hostid/local");
    let host_id = host_id.as_str().expect("string").to_owned();
    assert_eq!(host_id.len(), 36);
    let (_, map) = http(node.api, "GET", "/storage_service/host_id");
    assert_eq!(
        map,
        serde_json::json!([{"key": "127.0.0.1", "value": host_id}])
    );
    let (status, _) = http(node.api, "GET", "/no/such/path");
    assert_eq!(status, 404);
    let (status, tag) = http(node.api, "POST", "/storage_service/snapshots?tag=before");
    assert_eq!((status, tag), (200, serde_json::json!("before")));
}
