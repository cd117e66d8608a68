//! The per-shard I/O scheduler in the real binary: `--io-properties` is
//! read (and a broken file stops startup with its name), and writes,
//! flushes, a major compaction and reads from SSTables land in their own
//! priority classes, as `GET /sibyl/io_scheduler` reports.

use std::io::Read;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use scylla::client::session_builder::SessionBuilder;

use crate::node::{SibylProcess, http, sibyl_command};

fn get_json(api: SocketAddr, target: &str) -> serde_json::Value {
    let (status, body) = http(api, "GET", target);
    assert_eq!(status, 200, "{body}");
    body
}

fn post(api: SocketAddr, target: &str) {
    let (status, body) = http(api, "POST", target);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn flush_compaction_and_reads_are_scheduled_in_their_classes() {
    let conf = tempfile::tempdir().expect("temp dir");
    let properties = conf.path().join("io_properties.yaml");
    std::fs::write(
        &properties,
        "disks:\n  - mountpoint: /\n    read_iops: 40000\n    read_bandwidth: 800000000\n    write_iops: 30000\n    write_bandwidth: 600000000\n",
    )
    .expect("write io_properties.yaml");
    let path = properties.to_str().expect("utf-8 path");
    let node = SibylProcess::start(&["--smp", "1", "--io-properties", path]);
    let shard = &get_json(node.api, "/sibyl/io_scheduler")[0];
    assert_eq!(shard["read_iops"], 40_000, "{shard}");
    assert_eq!(shard["write_bandwidth"], 600_000_000_u64, "{shard}");
    assert_eq!(shard["latency_goal_us"], 1000, "{shard}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let session = SessionBuilder::new()
            .known_node_addr(node.native)
            .build()
            .await
            .expect("connect");
        for ddl in [
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "CREATE TABLE ks.kv (k int PRIMARY KEY, v text)",
        ] {
            session.query_unpaged(ddl, ()).await.expect("ddl");
        }
        let insert = session
            .prepare("INSERT INTO ks.kv (k, v) VALUES (?, ?)")
            .await
            .expect("prepare");
        for round in 0..2 {
            for k in 0..200 {
                let value = format!("v{k}-{round}-{}", "x".repeat(200));
                session
                    .execute_unpaged(&insert, (k, value))
                    .await
                    .expect("insert");
            }
            post(node.api, "/storage_service/keyspace_flush/ks");
        }
        let before = get_json(node.api, "/sibyl/io_scheduler");
        post(node.api, "/storage_service/keyspace_compaction/ks");
        let select = session
            .prepare("SELECT v FROM ks.kv WHERE k = ?")
            .await
            .expect("prepare");
        for k in 0..200 {
            let (v,): (String,) = session
                .execute_unpaged(&select, (k,))
                .await
                .expect("select")
                .into_rows_result()
                .expect("rows")
                .single_row()
                .expect("one row");
            assert!(v.starts_with(&format!("v{k}-1-")), "{v}");
        }
        let after = get_json(node.api, "/sibyl/io_scheduler");
        let class = |stats: &serde_json::Value, name: &str, field: &str| {
            stats[0]["classes"][name][field]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}.{field} in {stats}"))
        };
        assert!(class(&before, "commitlog", "dispatched") > 0, "{before}");
        assert!(class(&before, "memtable_flush", "bytes") > 10_000, "{before}");
        assert_eq!(class(&before, "compaction", "dispatched"), 0, "{before}");
        assert!(class(&after, "compaction", "bytes") > 10_000, "{after}");
        assert!(
            class(&after, "query", "dispatched") > class(&before, "query", "dispatched"),
            "reads from the compacted SSTable: {before} {after}"
        );
        for name in ["commitlog", "query", "memtable_flush", "compaction"] {
            assert_eq!(class(&after, name, "queued"), 0, "{after}");
        }
    });
}

#[test]
fn a_broken_io_properties_file_stops_startup() {
    let conf = tempfile::tempdir().expect("temp dir");
    let properties = conf.path().join("io_properties.yaml");
    std::fs::write(
        &properties,
        "disks:\n  - mountpoint: /\n    read_iops: fast\n",
    )
    .expect("write");
    let mut child = sibyl_command(&conf.path().join("work"))
        .arg("--io-properties")
        .arg(&properties)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sibyl");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sibyl kept running with a broken io_properties.yaml");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read stdout");
    assert!(
        out.contains("io_properties line 3") && out.contains("read_iops"),
        "{out}"
    );
}
