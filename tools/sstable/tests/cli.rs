//! Runs the real `sibyl-sstable` binary over SSTables written by the engine.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use serde_json::Value;
use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::mutation::{Cell, DeletionTime, Mutation, PartitionUpdate, Row};
use sibyl_storage::schema::{
    ClusteringOrder, ColumnDef, ColumnKind, TableOptions, TableSchema, ValueType,
};

fn schema() -> TableSchema {
    TableSchema {
        id: 3,
        keyspace: "ks".into(),
        name: "events".into(),
        clustering: vec![(ValueType::Int, ClusteringOrder::Desc)],
        columns: vec![ColumnDef {
            id: 1,
            name: "payload".into(),
            kind: ColumnKind::Regular,
            is_complex: false,
            is_counter: false,
        }],
        options: TableOptions::default(),
    }
}

/// Writes two partitions (one with a deleted row) and flushes; returns the table directory.
fn write_table(workdir: &Path) -> PathBuf {
    let workdir = workdir.to_path_buf();
    sibyl_storage::testing::run(move || async move {
        let engine = ShardEngine::open(
            Rc::new(DmaDisk::new()),
            EngineConfig::new(&workdir, 0),
            vec![schema()],
        )
        .await
        .unwrap();
        for (key, token) in [("alice", 10i64), ("bob", -5)] {
            let mut u = PartitionUpdate::new(key.as_bytes().to_vec(), token);
            for ck in 0..3i32 {
                u.rows.push((
                    vec![ck.to_be_bytes().to_vec()],
                    Row::default().with_cell(1, Cell::live(100, vec![0xab, ck as u8])),
                ));
            }
            engine.apply(&Mutation::new(3, u)).await.unwrap();
        }
        let mut del = PartitionUpdate::new(b"bob".to_vec(), -5);
        del.rows.push((
            vec![7i32.to_be_bytes().to_vec()],
            Row {
                deletion: DeletionTime::new(200, 1_000),
                ..Row::default()
            },
        ));
        engine.apply(&Mutation::new(3, del)).await.unwrap();
        engine.flush(3).await.unwrap();
        let dir = engine.table(3).unwrap().dir.clone();
        engine.close().await.unwrap();
        dir
    })
}

fn tool(args: &[&str], path: &Path) -> (bool, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_sibyl-sstable"))
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.success(), json)
}

#[test]
fn dump_metadata_validate_and_detect_corruption() {
    let tmp = sibyl_storage::testing::temp_dir();
    let dir = write_table(tmp.path());

    let (ok, dump) = tool(&["dump"], &dir);
    assert!(ok, "{dump:#}");
    let partitions = dump[0]["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 2);
    // Ring order: bob (-5) before alice (10).
    assert_eq!(partitions[0]["partition"]["key_text"], "bob");
    let rows = partitions[0]["rows"].as_array().unwrap();
    // DESC clustering: 7 (deleted) first, then 2, 1, 0; values decoded as int.
    assert_eq!(rows[0]["clustering"][0], 7);
    assert_eq!(rows[0]["deletion_info"]["marked_deleted_us"], 200);
    assert_eq!(rows[1]["clustering"][0], 2);
    assert_eq!(rows[1]["cells"][0]["name"], "payload");
    assert_eq!(rows[1]["cells"][0]["value"], "0xab02");

    let data = dir.join("sb-1-Data.db");
    let (ok, meta) = tool(&["metadata"], &data);
    assert!(ok, "{meta:#}");
    assert_eq!(meta[0]["header"]["table"], "events");
    assert_eq!(meta[0]["header"]["clustering"][0]["order"], "DESC");
    assert_eq!(meta[0]["statistics"]["partitions"], 2);
    assert_eq!(meta[0]["statistics"]["rows"], 7);
    assert_eq!(meta[0]["statistics"]["min_clustering"][0], 7);
    assert_eq!(meta[0]["statistics"]["max_clustering"][0], 0);

    let (ok, valid) = tool(&["validate"], &dir);
    assert!(ok, "{valid:#}");
    assert_eq!(valid[0]["partitions"], 2);

    // Flip one byte inside the first data chunk's compressed bytes.
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[14] ^= 0x40;
    std::fs::write(&data, bytes).unwrap();
    let (ok, invalid) = tool(&["validate"], &dir);
    assert!(!ok, "corruption not detected: {invalid:#}");
    assert_eq!(invalid[0]["ok"], false);
    assert!(invalid[0]["error"].as_str().unwrap().contains("checksum"));

    let (ok, _) = tool(&["validate"], &tmp.path().join("nothing-here"));
    assert!(!ok);
}
