//! The logic behind `sibyl-sstable`: finds SSTables from file or directory
//! paths, opens them standalone (the `Header.db` component carries the
//! clustering types and column names) and renders them as JSON.
//!
//! Runs on its own glommio executor with the O_DIRECT disk, like a shard
//! would; it only reads files.

pub mod render;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::{Value, json};
use sibyl_storage::io::Disk;
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::sstable::scanner::Scanner;
use sibyl_storage::sstable::{Component, SSTable, parse_generation};

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dump,
    Metadata,
    Validate,
}

/// `(directory, generation)` of every complete SSTable named by `paths`
/// (a component file or a table directory).
pub fn find_sstables(paths: &[PathBuf]) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for path in paths {
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(parse_generation);
        match (named, path.parent()) {
            (Some((generation, _)), Some(dir)) if path.is_file() => {
                out.push((dir.to_path_buf(), generation));
            }
            _ => {
                let Ok(entries) = std::fs::read_dir(path) else {
                    continue;
                };
                let mut gens: Vec<u64> = entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        parse_generation(&name)
                            .filter(|(_, s)| *s == Component::Toc.file_suffix())
                            .map(|(g, _)| g)
                    })
                    .collect();
                gens.sort_unstable();
                out.extend(gens.into_iter().map(|g| (path.clone(), g)));
            }
        }
    }
    out
}

async fn one(disk: &dyn Disk, dir: &Path, generation: u64, mode: Mode) -> Result<Value, String> {
    let sst = Rc::new(
        SSTable::open(disk, dir, generation)
            .await
            .map_err(|e| e.to_string())?,
    );
    let file = dir.join(format!("sb-{generation}-{}", Component::Data.file_suffix()));
    match mode {
        Mode::Metadata => Ok(json!({
            "sstable": file.display().to_string(),
            "generation": generation,
            "data_size_bytes": sst.data_size_bytes(),
            "header": render::header(&sst.header),
            "statistics": render::statistics(&sst.stats, &sst.header),
        })),
        Mode::Dump | Mode::Validate => {
            let checked = sst.verify().await.map_err(|e| e.to_string())?;
            let mut scanner = Scanner::new(Rc::clone(&sst));
            let mut partitions = Vec::new();
            let mut count = 0u64;
            while let Some(p) = scanner.next().await.map_err(|e| e.to_string())? {
                count += 1;
                if mode == Mode::Dump {
                    partitions.push(render::partition(&p, &sst.header));
                }
            }
            if count != checked || count != sst.stats.partitions {
                return Err(format!(
                    "partition counts disagree: index {checked}, data {count}, statistics {}",
                    sst.stats.partitions
                ));
            }
            Ok(match mode {
                Mode::Dump => json!({
                    "sstable": file.display().to_string(),
                    "partitions": partitions,
                }),
                _ => json!({
                    "sstable": file.display().to_string(),
                    "ok": true,
                    "partitions": count,
                }),
            })
        }
    }
}

/// Runs `mode` over `paths` on a fresh executor; returns the JSON output and
/// whether every SSTable was readable and intact.
pub fn run_blocking(mode: Mode, paths: Vec<PathBuf>) -> (Value, bool) {
    sibyl_storage::testing::run(move || async move {
        let disk = DmaDisk::new();
        let found = find_sstables(&paths);
        let mut ok = !found.is_empty();
        let mut results = Vec::new();
        if found.is_empty() {
            results.push(json!({"error": "no SSTable found at the given paths"}));
        }
        for (dir, generation) in found {
            match one(&disk, &dir, generation, mode).await {
                Ok(v) => results.push(v),
                Err(error) => {
                    ok = false;
                    results.push(json!({
                        "sstable": dir.join(format!("sb-{generation}-Data.db")).display().to_string(),
                        "ok": false,
                        "error": error,
                    }));
                }
            }
        }
        (Value::Array(results), ok)
    })
}
