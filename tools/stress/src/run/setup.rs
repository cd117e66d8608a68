//! Before the clock starts: create the keyspace and tables (predefined
//! schema or the profile's definitions), prepare every statement, and build
//! the weighted operation list.

use std::io::Write;
use std::sync::Arc;

use scylla::client::session::Session;

use super::ops::Operation;
use super::{RunContext, out_error};
use crate::cli::{CommandKind, Settings};
use crate::error::StressError;
use crate::generate::RowGenerator;
use crate::profile::{Profile, UserOperation};
use crate::schema::{self, cql_text};

async fn ddl(session: &Session, statement: &str) -> Result<(), StressError> {
    session
        .query_unpaged(statement, &[])
        .await
        .map(|_| ())
        .map_err(|e| StressError::Schema {
            statement: statement.trim().to_owned(),
            message: e.to_string(),
        })
}

async fn prepare(
    session: &Session,
    statement: &str,
) -> Result<scylla::statement::prepared::PreparedStatement, StressError> {
    session
        .prepare(statement)
        .await
        .map_err(|e| StressError::Prepare {
            statement: statement.to_owned(),
            message: e.to_string(),
        })
}

pub(super) async fn prepare_context(
    settings: &Settings,
    session: Session,
    out: &mut (dyn Write + Send),
) -> Result<RunContext, StressError> {
    let keyspace = &settings.schema.keyspace;
    let names = &settings.columns.names;
    let mut ops: Vec<(String, Operation, f64)> = Vec::new();
    let mut cumulative = 0.0;
    let mut push =
        |ops: &mut Vec<(String, Operation, f64)>, name: &str, op: Operation, weight: f64| {
            cumulative += weight;
            ops.push((name.to_owned(), op, cumulative));
        };
    if settings.command == CommandKind::User {
        let path = settings
            .profile
            .as_deref()
            .ok_or_else(|| StressError::usage("user command requires profile=FILE"))?;
        let profile = Arc::new(Profile::load(path)?);
        if let Some(definition) = &profile.yaml.keyspace_definition {
            ddl(&session, definition).await?;
        }
        let table_definition = profile.yaml.table_definition.clone().unwrap_or_default();
        let qualified = if profile.table.keyspace.is_some() {
            table_definition
        } else {
            qualify_create_table(&table_definition, &profile.yaml.keyspace)
        };
        ddl(&session, &qualified).await?;
        let table = format!(
            "{}.{}",
            schema::quote(&profile.yaml.keyspace),
            schema::quote(&profile.table.name)
        );
        for (name, weight) in settings.op_weights() {
            let op = if name == "insert" {
                let columns: Vec<usize> = (0..profile.columns.len()).collect();
                let list: Vec<String> = profile
                    .columns
                    .iter()
                    .map(|c| schema::quote(&c.name))
                    .collect();
                let markers = vec!["?"; list.len()].join(", ");
                let text = format!(
                    "INSERT INTO {table} ({}) VALUES ({markers})",
                    list.join(", ")
                );
                Operation::User(UserOperation::Insert {
                    statement: prepare(&session, &text).await?,
                    columns,
                    profile: profile.clone(),
                })
            } else {
                let query = profile.yaml.queries.get(&name).ok_or_else(|| {
                    StressError::usage(format!(
                        "Unknown operation {name}; the profile defines {}",
                        profile.op_names().join(", ")
                    ))
                })?;
                let (cql, fields) = match query {
                    crate::profile::QueryYaml::Full { cql, fields } => {
                        (cql.clone(), fields.clone())
                    }
                    crate::profile::QueryYaml::Text(cql) => (cql.clone(), None),
                };
                let multirow = match fields.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("samerow") => false,
                    Some("multirow") => true,
                    Some(other) => {
                        return Err(StressError::usage(format!(
                            "fields must be samerow or multirow, not {other}"
                        )));
                    }
                };
                let targets = cql_text::bind_targets(&cql).ok_or_else(|| {
                    StressError::usage(format!("cannot read query {name}: {cql}"))
                })?;
                let mut binds = Vec::new();
                for column in &targets.columns {
                    let index = column
                        .as_ref()
                        .and_then(|c| profile.columns.iter().position(|g| &g.name == c))
                        .ok_or_else(|| {
                            StressError::usage(format!(
                                "query {name}: cannot tell which column a ? binds to in {cql}"
                            ))
                        })?;
                    binds.push(index);
                }
                let text =
                    qualify_table_reference(&cql, &profile.table.name, &profile.yaml.keyspace);
                Operation::User(UserOperation::Query {
                    statement: prepare(&session, &text).await?,
                    binds,
                    multirow,
                    profile: profile.clone(),
                })
            };
            push(&mut ops, &name, op, weight);
        }
    } else {
        ddl(&session, &schema::create_keyspace(&settings.schema)).await?;
        let counter = matches!(
            settings.command,
            CommandKind::CounterWrite | CommandKind::CounterRead
        );
        let create = if counter {
            schema::create_counter1(&settings.schema, names)
        } else {
            schema::create_standard1(&settings.schema, names)
        };
        ddl(&session, &create).await?;
        for (name, weight) in settings.op_weights() {
            let op = match name.as_str() {
                "write" => Operation::Write(
                    prepare(&session, &schema::insert_standard1(keyspace, names)).await?,
                ),
                "read" => Operation::Read {
                    statement: prepare(&session, &schema::select_standard1(keyspace)).await?,
                    verify: settings.verify,
                },
                "counter_write" => Operation::CounterWrite(
                    prepare(&session, &schema::update_counter1(keyspace, names)).await?,
                ),
                "counter_read" => Operation::CounterRead(
                    prepare(&session, &schema::select_counter1(keyspace)).await?,
                ),
                other => return Err(StressError::usage(format!("Unknown operation {other}"))),
            };
            push(&mut ops, &name, op, weight);
        }
    }
    writeln!(
        out,
        "Connected; prepared {} operation(s); population {}",
        ops.len(),
        settings.population
    )
    .map_err(out_error)?;
    Ok(RunContext {
        session,
        ops,
        rows: RowGenerator::with_count(
            settings.columns.per_row.clone(),
            settings.columns.size.clone(),
        ),
        column_names: names.clone(),
        population: settings.population.clone(),
        ignore_errors: settings.errors.ignore,
        retries: settings.errors.retries,
        mismatches: std::sync::Mutex::new(Vec::new()),
    })
}

/// Puts the keyspace in front of the table name of a `CREATE TABLE`.
fn qualify_create_table(definition: &str, keyspace: &str) -> String {
    let Some(table) = cql_text::parse_create_table(definition) else {
        return definition.to_owned();
    };
    let lower = definition.to_ascii_lowercase();
    let Some(paren) = lower.find('(') else {
        return definition.to_owned();
    };
    let head = definition.get(..paren).unwrap_or_default();
    let Some(name_at) = head
        .to_ascii_lowercase()
        .rfind(&table.name.to_ascii_lowercase())
    else {
        return definition.to_owned();
    };
    format!(
        "{}{}.{}{}",
        definition.get(..name_at).unwrap_or_default(),
        schema::quote(keyspace),
        definition
            .get(name_at..paren)
            .unwrap_or_default()
            .trim_end(),
        format!(" {}", definition.get(paren..).unwrap_or_default())
    )
}

/// Qualifies the first unqualified reference to `table` after FROM/INTO/UPDATE.
fn qualify_table_reference(cql: &str, table: &str, keyspace: &str) -> String {
    let lower = cql.to_ascii_lowercase();
    for keyword in ["from ", "into ", "update "] {
        if let Some(at) = lower.find(keyword) {
            let start = at + keyword.len();
            let rest = lower.get(start..).unwrap_or_default();
            if rest.starts_with(&table.to_ascii_lowercase())
                && !rest.get(table.len()..).unwrap_or_default().starts_with('.')
            {
                return format!(
                    "{}{}.{}",
                    cql.get(..start).unwrap_or_default(),
                    schema::quote(keyspace),
                    cql.get(start..).unwrap_or_default()
                );
            }
        }
    }
    cql.to_owned()
}
