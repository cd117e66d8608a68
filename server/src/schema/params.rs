//! Table options (`WITH ...`) with Cassandra 5.0's names, defaults and
//! validation messages, and the mapping of CQL types to storage's value types.

use std::collections::BTreeMap;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::schema::ValueType;

use crate::cql3::CqlError;

/// Every table option Cassandra lists, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct TableParams {
    pub comment: String,
    pub bloom_filter_fp_chance: f64,
    pub caching: BTreeMap<String, String>,
    pub compaction: BTreeMap<String, String>,
    pub compression: BTreeMap<String, String>,
    pub crc_check_chance: f64,
    pub default_time_to_live: u32,
    pub gc_grace_seconds: u32,
    pub max_index_interval: i32,
    pub min_index_interval: i32,
    pub memtable_flush_period_in_ms: i32,
    pub speculative_retry: String,
    pub additional_write_policy: String,
    pub read_repair: String,
    pub cdc: bool,
    pub extensions: BTreeMap<String, Vec<u8>>,
    pub memtable: String,
    pub allow_auto_snapshot: bool,
    pub incremental_backups: bool,
}

fn string_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Default for TableParams {
    fn default() -> Self {
        Self {
            comment: String::new(),
            bloom_filter_fp_chance: 0.01,
            caching: string_map(&[("keys", "ALL"), ("rows_per_partition", "NONE")]),
            compaction: string_map(&[
                (
                    "class",
                    "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
                ),
                ("max_threshold", "32"),
                ("min_threshold", "4"),
            ]),
            compression: string_map(&[
                ("chunk_length_in_kb", "16"),
                ("class", "org.apache.cassandra.io.compress.LZ4Compressor"),
            ]),
            crc_check_chance: 1.0,
            default_time_to_live: 0,
            gc_grace_seconds: 864_000,
            max_index_interval: 2048,
            min_index_interval: 128,
            memtable_flush_period_in_ms: 0,
            speculative_retry: "99p".to_owned(),
            additional_write_policy: "99p".to_owned(),
            read_repair: "BLOCKING".to_owned(),
            cdc: false,
            extensions: BTreeMap::new(),
            memtable: "default".to_owned(),
            allow_auto_snapshot: true,
            incremental_backups: true,
        }
    }
}

/// A property value as the DDL layer hands it over: text or a map of text.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Text(String),
    Map(BTreeMap<String, String>),
}

const COMPACTION_CLASSES: [&str; 4] = [
    "SizeTieredCompactionStrategy",
    "LeveledCompactionStrategy",
    "TimeWindowCompactionStrategy",
    "UnifiedCompactionStrategy",
];

const COMPRESSORS: [&str; 5] = [
    "LZ4Compressor",
    "SnappyCompressor",
    "DeflateCompressor",
    "ZstdCompressor",
    "NoopCompressor",
];

fn full_class(class: &str, package: &str, known: &[&str]) -> Option<String> {
    let short = class.rsplit('.').next().unwrap_or(class);
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(short))
        .map(|k| format!("{package}.{k}"))
}

impl TableParams {
    /// Applies `WITH name = value` options over `self`, validating each.
    pub fn apply(&mut self, options: &[(String, OptionValue)]) -> Result<(), CqlError> {
        for (name, value) in options {
            self.apply_one(name, value)?;
        }
        Ok(())
    }

    fn apply_one(&mut self, name: &str, value: &OptionValue) -> Result<(), CqlError> {
        let text = || match value {
            OptionValue::Text(t) => Ok(t.clone()),
            OptionValue::Map(_) => Err(CqlError::Syntax(format!(
                "Invalid value for property '{name}'. It should be a string"
            ))),
        };
        let map = || match value {
            OptionValue::Map(m) => Ok(m.clone()),
            OptionValue::Text(_) => Err(CqlError::Syntax(format!(
                "Invalid value for property '{name}'. It should be a map."
            ))),
        };
        let double = || {
            text()?.parse::<f64>().map_err(|_| {
                CqlError::Syntax(format!(
                    "Invalid double value {} for '{name}'",
                    text().unwrap_or_default()
                ))
            })
        };
        let int = || {
            text()?.parse::<i64>().map_err(|_| {
                CqlError::Syntax(format!(
                    "Invalid integer value {} for '{name}'",
                    text().unwrap_or_default()
                ))
            })
        };
        let non_negative = |v: i64, max: i64| {
            if v < 0 {
                Err(CqlError::config(format!(
                    "{name} must be greater than or equal to 0 (got {v})"
                )))
            } else if v > max {
                Err(CqlError::config(format!(
                    "{name} must be less than or equal to {max} (got {v})"
                )))
            } else {
                Ok(v)
            }
        };
        match name {
            "comment" => self.comment = text()?,
            "bloom_filter_fp_chance" => {
                let v = double()?;
                if !(v > 0.0 && v <= 1.0) {
                    return Err(CqlError::config(format!(
                        "bloom_filter_fp_chance must be larger than 0 and less than or equal to 1.0 (got {v})"
                    )));
                }
                self.bloom_filter_fp_chance = v;
            }
            "crc_check_chance" => {
                let v = double()?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(CqlError::config(format!(
                        "crc_check_chance should be between 0.0 and 1.0 (got {v})"
                    )));
                }
                self.crc_check_chance = v;
            }
            "default_time_to_live" => {
                self.default_time_to_live = non_negative(int()?, 630_720_000)? as u32
            }
            "gc_grace_seconds" => {
                self.gc_grace_seconds = non_negative(int()?, i64::from(i32::MAX))? as u32
            }
            "max_index_interval" => {
                self.max_index_interval = non_negative(int()?, i64::from(i32::MAX))? as i32
            }
            "min_index_interval" => {
                let v = int()?;
                if v < 1 {
                    return Err(CqlError::config(format!(
                        "min_index_interval must be greater than or equal to 1 (got {v})"
                    )));
                }
                self.min_index_interval = v as i32;
            }
            "memtable_flush_period_in_ms" => {
                self.memtable_flush_period_in_ms = non_negative(int()?, i64::from(i32::MAX))? as i32
            }
            "speculative_retry" | "additional_write_policy" => {
                let v = text()?;
                if !is_speculative_retry(&v) {
                    return Err(CqlError::config(format!(
                        "Invalid value {v} for option '{name}'"
                    )));
                }
                if name == "speculative_retry" {
                    self.speculative_retry = v
                } else {
                    self.additional_write_policy = v
                }
            }
            "read_repair" => {
                let v = text()?.to_uppercase();
                if v != "BLOCKING" && v != "NONE" {
                    return Err(CqlError::config(format!(
                        "Invalid value '{v}' for option 'read_repair'"
                    )));
                }
                self.read_repair = v;
            }
            "cdc" => self.cdc = parse_bool(name, &text()?)?,
            "allow_auto_snapshot" => self.allow_auto_snapshot = parse_bool(name, &text()?)?,
            "incremental_backups" => self.incremental_backups = parse_bool(name, &text()?)?,
            "memtable" => self.memtable = text()?,
            "caching" => {
                let m = map()?;
                for (k, v) in &m {
                    match k.as_str() {
                        "keys" if v == "ALL" || v == "NONE" => {}
                        "rows_per_partition"
                            if v == "ALL" || v == "NONE" || v.parse::<u32>().is_ok() => {}
                        "keys" | "rows_per_partition" => {
                            return Err(CqlError::config(format!(
                                "Invalid value '{v}' for '{k}' in caching options"
                            )));
                        }
                        other => {
                            return Err(CqlError::config(format!(
                                "Invalid caching sub-options {other}: only 'keys' and 'rows_per_partition' are allowed"
                            )));
                        }
                    }
                }
                let mut caching = TableParams::default().caching;
                caching.extend(m);
                self.caching = caching;
            }
            "compaction" => {
                let mut m = map()?;
                let class = m.get("class").cloned().ok_or_else(|| {
                    CqlError::config("Missing sub-option 'class' for the 'compaction' option.")
                })?;
                let full = full_class(
                    &class,
                    "org.apache.cassandra.db.compaction",
                    &COMPACTION_CLASSES,
                )
                .ok_or_else(|| {
                    CqlError::config(format!(
                        "Unable to find compaction strategy class '{class}'"
                    ))
                })?;
                m.insert("class".to_owned(), full);
                self.compaction = m;
            }
            "compression" => {
                let mut m = map()?;
                // `compression = {}` disables compression, as in Cassandra
                // (cassandra-stress's default schema says so).
                if m.is_empty() || m.get("enabled").is_some_and(|v| v == "false") {
                    self.compression = string_map(&[("enabled", "false")]);
                    return Ok(());
                }
                let class = m
                    .get("class")
                    .or_else(|| m.get("sstable_compression"))
                    .cloned()
                    .ok_or_else(|| {
                        CqlError::config("Missing sub-option 'class' for the 'compression' option.")
                    })?;
                let full = full_class(&class, "org.apache.cassandra.io.compress", &COMPRESSORS)
                    .ok_or_else(|| {
                        CqlError::config(format!("Could not create Compression for type {class}"))
                    })?;
                m.remove("sstable_compression");
                m.insert("class".to_owned(), full);
                m.entry("chunk_length_in_kb".to_owned())
                    .or_insert_with(|| "16".to_owned());
                self.compression = m;
            }
            "extensions" => {
                self.extensions = map()?
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes()))
                    .collect();
            }
            // Removed in 4.0 but still accepted by drivers' DESCRIBE output.
            "dclocal_read_repair_chance" | "read_repair_chance" => {}
            other => return Err(CqlError::Syntax(format!("Unknown property '{other}'"))),
        }
        Ok(())
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool, CqlError> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(CqlError::Syntax(format!(
            "Invalid boolean value {v} for '{name}'. Valid values are: true and false"
        ))),
    }
}

/// `99p`, `99.9PERCENTILE`, `50ms`, `ALWAYS`, `NEVER`, `NONE`, `MIN(..)`, `MAX(..)`.
fn is_speculative_retry(v: &str) -> bool {
    let upper = v.to_ascii_uppercase();
    if matches!(upper.as_str(), "ALWAYS" | "NEVER" | "NONE") {
        return true;
    }
    if let Some(inner) = upper
        .strip_prefix("MIN(")
        .or_else(|| upper.strip_prefix("MAX("))
        .and_then(|s| s.strip_suffix(')'))
    {
        return inner
            .split(',')
            .all(|part| is_speculative_retry(part.trim()));
    }
    let number = upper
        .strip_suffix("PERCENTILE")
        .or_else(|| upper.strip_suffix('P'))
        .or_else(|| upper.strip_suffix("MS"));
    number.is_some_and(|n| n.parse::<f64>().is_ok_and(|x| x >= 0.0))
}

/// The storage comparator type for a clustering column's CQL type. Types
/// storage cannot order natively (frozen collections, tuples, UDTs) compare
/// bytewise, which keeps equal values together; their exact order is handled
/// by the CQL layer where it matters.
pub fn storage_value_type(ty: &ColumnType) -> ValueType {
    match ty {
        ColumnType::Ascii => ValueType::Ascii,
        ColumnType::Bigint => ValueType::BigInt,
        ColumnType::Boolean => ValueType::Boolean,
        ColumnType::Counter => ValueType::Counter,
        ColumnType::Date => ValueType::Date,
        ColumnType::Decimal => ValueType::Decimal,
        ColumnType::Double => ValueType::Double,
        ColumnType::Duration => ValueType::Duration,
        ColumnType::Float => ValueType::Float,
        ColumnType::Inet => ValueType::Inet,
        ColumnType::Int => ValueType::Int,
        ColumnType::Smallint => ValueType::SmallInt,
        ColumnType::Text => ValueType::Text,
        ColumnType::Time => ValueType::Time,
        ColumnType::Timestamp => ValueType::Timestamp,
        ColumnType::Timeuuid => ValueType::TimeUuid,
        ColumnType::Tinyint => ValueType::TinyInt,
        ColumnType::Uuid => ValueType::Uuid,
        ColumnType::Varint => ValueType::VarInt,
        _ => ValueType::Blob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> OptionValue {
        OptionValue::Text(s.to_owned())
    }

    #[test]
    fn options_validate_like_cassandra() {
        let mut p = TableParams::default();
        p.apply(&[
            ("gc_grace_seconds".into(), text("3600")),
            ("comment".into(), text("hi")),
        ])
        .expect("valid");
        assert_eq!((p.gc_grace_seconds, p.comment.as_str()), (3600, "hi"));
        let err = p
            .apply(&[("gc_grace_seconds".into(), text("-1"))])
            .expect_err("negative");
        assert_eq!(
            err,
            CqlError::config("gc_grace_seconds must be greater than or equal to 0 (got -1)")
        );
        assert!(
            matches!(p.apply(&[("nope".into(), text("1"))]), Err(CqlError::Syntax(m)) if m == "Unknown property 'nope'")
        );
        let compaction = OptionValue::Map(string_map(&[
            ("class", "LeveledCompactionStrategy"),
            ("sstable_size_in_mb", "160"),
        ]));
        p.apply(&[("compaction".into(), compaction)]).expect("lcs");
        assert_eq!(
            p.compaction["class"],
            "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"
        );
        p.apply(&[("compression".into(), OptionValue::Map(BTreeMap::new()))])
            .expect("empty map disables");
        assert_eq!(p.compression, string_map(&[("enabled", "false")]));
        let bad = OptionValue::Map(string_map(&[("class", "Bogus")]));
        assert!(matches!(
            p.apply(&[("compaction".into(), bad)]),
            Err(CqlError::Config(_))
        ));
        assert!(
            is_speculative_retry("99PERCENTILE")
                && is_speculative_retry("50ms")
                && is_speculative_retry("MIN(99p,50ms)")
        );
        assert!(!is_speculative_retry("often"));
    }
}
