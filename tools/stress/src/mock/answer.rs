//! The mock's answers, one per request frame.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use sibyl_protocol::frame::{
    FrameHeader, FrameTarget, ResponseExtras, decode_request_envelope, encode_frame,
};
use sibyl_protocol::request::{Query, Request};
use sibyl_protocol::response::{
    ColumnSpec, ErrorKind, ErrorResponse, Prepared, PreparedMetadata, Response, ResultBody, Rows,
    RowsMetadata, Supported,
};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire;

use super::{MockConfig, MockCounters};
use crate::generate::{KEY_LEN, RowGenerator, key_of_seed, mix64, seed_of_key};
use crate::schema::cql_text::{TableDef, bind_targets, parse_create_table};

#[derive(Debug, Clone)]
struct PreparedInfo {
    is_select: bool,
    /// `standard1` / `counter1` select by key: answered from the generator.
    generated_table: Option<bool>,
    result_columns: Vec<ColumnSpec>,
}

#[derive(Debug)]
pub(crate) struct Answerer {
    rows: RowGenerator,
    tables: Mutex<HashMap<String, TableDef>>,
    prepared: Mutex<HashMap<Vec<u8>, PreparedInfo>>,
}

fn spec(keyspace: &str, table: &str, name: &str, column_type: ColumnType) -> ColumnSpec {
    ColumnSpec {
        keyspace: keyspace.into(),
        table: table.into(),
        name: name.into(),
        column_type,
    }
}

fn parse_type(text: &str) -> ColumnType {
    ColumnType::parse_cql(text)
        .map(|t| t.column_type)
        .unwrap_or(ColumnType::Blob)
}

impl Answerer {
    pub(crate) fn new(rows: RowGenerator) -> Self {
        Self {
            rows,
            tables: Mutex::new(HashMap::new()),
            prepared: Mutex::new(HashMap::new()),
        }
    }

    fn column_type(&self, table: &str, column: &str) -> ColumnType {
        if let Some(def) = self.tables.lock().ok().and_then(|t| t.get(table).cloned()) {
            if let Some(t) = def.column_type(column) {
                return parse_type(t);
            }
        }
        match (table, column) {
            ("counter1", c) if c != "key" => ColumnType::Counter,
            _ => ColumnType::Blob,
        }
    }

    fn table_columns(&self, table: &str) -> Vec<(String, ColumnType)> {
        if let Some(def) = self.tables.lock().ok().and_then(|t| t.get(table).cloned()) {
            return def
                .columns
                .iter()
                .map(|(n, t)| (n.clone(), parse_type(t)))
                .collect();
        }
        let value_type = if table == "counter1" {
            ColumnType::Counter
        } else {
            ColumnType::Blob
        };
        std::iter::once(("key".to_owned(), ColumnType::Blob))
            .chain((0..self.rows.column_count).map(|i| (format!("C{i}"), value_type.clone())))
            .collect()
    }

    fn prepare(&self, text: &str) -> Result<Prepared, ErrorResponse> {
        let lower = text.to_ascii_lowercase();
        if lower.contains("system.") || lower.contains("system_schema.") {
            return Err(ErrorResponse::invalid("mock: system tables are not served"));
        }
        let targets = bind_targets(text)
            .ok_or_else(|| ErrorResponse::syntax(format!("mock cannot prepare: {text}")))?;
        let keyspace = targets
            .keyspace
            .clone()
            .unwrap_or_else(|| "keyspace1".into());
        let table = targets.table.clone();
        let binds = targets
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Some(c) => spec(&keyspace, &table, c, self.column_type(&table, c)),
                None => spec(&keyspace, &table, &format!("[limit{i}]"), ColumnType::Int),
            })
            .collect();
        let mut result_columns = Vec::new();
        if targets.is_select {
            let all = self.table_columns(&table);
            let listed: Vec<(String, ColumnType)> = if targets.listed.is_empty() {
                all
            } else {
                targets
                    .listed
                    .iter()
                    .map(|n| (n.clone(), self.column_type(&table, n)))
                    .collect()
            };
            result_columns = listed
                .into_iter()
                .map(|(n, t)| spec(&keyspace, &table, &n, t))
                .collect();
        }
        let generated_table = match table.as_str() {
            "standard1" if targets.is_select => Some(false),
            "counter1" if targets.is_select => Some(true),
            _ => None,
        };
        let id = mix64(text.bytes().fold(0u64, |h, b| mix64(h ^ u64::from(b))))
            .to_be_bytes()
            .to_vec();
        let info = PreparedInfo {
            is_select: targets.is_select,
            generated_table,
            result_columns: result_columns.clone(),
        };
        if let Ok(mut prepared) = self.prepared.lock() {
            prepared.insert(id.clone(), info);
        }
        Ok(Prepared {
            id,
            result_metadata_id: None,
            metadata: PreparedMetadata {
                pk_indexes: Vec::new(),
                columns: binds,
            },
            result_metadata: RowsMetadata::new(result_columns),
        })
    }

    fn read_rows(&self, config: &MockConfig, info: &PreparedInfo, key: Option<&[u8]>) -> Rows {
        let mut rows = Rows {
            metadata: RowsMetadata::new(info.result_columns.clone()),
            rows_count: 0,
            content: Vec::new(),
        };
        let (Some(counter), Some(key)) = (info.generated_table, key) else {
            return rows;
        };
        let Some(seed) = seed_of_key(key) else {
            return rows;
        };
        let (mut values, mut ends) = (Vec::new(), Vec::new());
        if !counter {
            self.rows.fill_row(seed, &mut values, &mut ends);
            if config.corrupt_every.is_some_and(|k| k > 0 && seed % k == 0) {
                if let Some(b) = values.first_mut() {
                    *b ^= 0xff;
                }
            }
        }
        let mut key_bytes = [0u8; KEY_LEN];
        key_of_seed(seed, &mut key_bytes);
        for column in &info.result_columns {
            if column.name == "key" {
                wire::write_bytes(&mut rows.content, Some(&key_bytes));
                continue;
            }
            let index = column
                .name
                .strip_prefix('C')
                .and_then(|i| i.parse::<usize>().ok());
            if counter {
                wire::write_bytes(&mut rows.content, Some(&1i64.to_be_bytes()));
            } else {
                // A column after the row's count was never written: null.
                let value = index.and_then(|i| {
                    let end = *ends.get(i)?;
                    let start = i.checked_sub(1).and_then(|p| ends.get(p)).copied();
                    values.get(start.unwrap_or(0)..end)
                });
                wire::write_bytes(&mut rows.content, value);
            }
        }
        rows.rows_count = 1;
        rows
    }

    fn query(&self, query: &Query<'_>) -> Response {
        let text = query.query.trim();
        let lower = text.to_ascii_lowercase();
        if lower.contains("system.") || lower.contains("system_schema.") {
            return Response::Error(ErrorResponse::invalid("mock: system tables are not served"));
        }
        if let Some(table) = parse_create_table(text) {
            if let Ok(mut tables) = self.tables.lock() {
                tables.insert(table.name.clone(), table);
            }
            return Response::Result(ResultBody::Void);
        }
        if let Some(keyspace) = lower.strip_prefix("use ") {
            return Response::Result(ResultBody::SetKeyspace(
                keyspace
                    .trim_matches(|c| c == '"' || c == ';' || c == ' ')
                    .into(),
            ));
        }
        if lower.starts_with("select") {
            return Response::Error(ErrorResponse::invalid(
                "mock: unprepared SELECT is not served",
            ));
        }
        Response::Result(ResultBody::Void)
    }

    pub(crate) fn answer(
        &self,
        config: &MockConfig,
        counters: &MockCounters,
        header: &FrameHeader,
        body: &[u8],
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) {
        let version = header.version;
        let response = match decode_request_envelope(header, body)
            .and_then(|envelope| Request::decode(version, header.opcode, envelope.message))
        {
            Err(e) => Response::Error(ErrorResponse::protocol(format!("mock: {e}"))),
            Ok(Request::Options) => Response::Supported(Supported {
                options: vec![
                    ("CQL_VERSION".into(), vec!["3.4.5".into()]),
                    ("COMPRESSION".into(), Vec::new()),
                ],
            }),
            Ok(Request::Startup(_)) | Ok(Request::Register(_)) => Response::Ready,
            Ok(Request::AuthResponse(_)) => {
                Response::Error(ErrorResponse::protocol("mock: no authentication"))
            }
            Ok(Request::Prepare(prepare)) => {
                counters.prepares.fetch_add(1, Ordering::Relaxed);
                match self.prepare(prepare.query) {
                    Ok(prepared) => Response::Result(ResultBody::Prepared(prepared)),
                    Err(e) => Response::Error(e),
                }
            }
            Ok(Request::Query(query)) => {
                counters.queries.fetch_add(1, Ordering::Relaxed);
                self.query(&query)
            }
            Ok(Request::Batch(batch)) => {
                counters.batches.fetch_add(1, Ordering::Relaxed);
                counters
                    .batch_statements
                    .fetch_add(batch.statements.len() as u64, Ordering::Relaxed);
                Response::Result(ResultBody::Void)
            }
            Ok(Request::Execute(execute)) => {
                let n = counters.executes.fetch_add(1, Ordering::Relaxed) + 1;
                let info = self
                    .prepared
                    .lock()
                    .ok()
                    .and_then(|p| p.get(execute.id).cloned());
                match info {
                    None => Response::Error(ErrorResponse::new(
                        ErrorKind::Unprepared {
                            id: execute.id.to_vec(),
                        },
                        "mock: unknown id",
                    )),
                    Some(info) if config.fail_every.is_some_and(|k| k > 0 && n % k == 0) => {
                        let consistency = execute.params.consistency;
                        let kind = if info.is_select {
                            ErrorKind::ReadTimeout {
                                consistency,
                                received: 0,
                                block_for: 1,
                                data_present: false,
                            }
                        } else {
                            ErrorKind::WriteTimeout {
                                consistency,
                                received: 0,
                                block_for: 1,
                                write_type: "SIMPLE".into(),
                                contentions: None,
                            }
                        };
                        Response::Error(ErrorResponse::new(kind, "mock: injected timeout"))
                    }
                    Some(info) if info.is_select => {
                        let key = execute
                            .params
                            .values
                            .iter()
                            .next()
                            .and_then(|(_, v)| v.as_value());
                        Response::Result(ResultBody::Rows(self.read_rows(config, &info, key)))
                    }
                    Some(_) => Response::Result(ResultBody::Void),
                }
            }
        };
        let target = FrameTarget {
            version,
            is_response: true,
            stream: header.stream,
            compression: None,
        };
        encode_frame(
            out,
            scratch,
            target,
            response.opcode(),
            &ResponseExtras::NONE,
            false,
            |buf| response.encode(version, buf),
        );
    }
}
