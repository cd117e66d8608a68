//! cassandra-stress user profiles (YAML): `keyspace`, `keyspace_definition`,
//! `table`, `table_definition`, `columnspec` (size, population, cluster
//! distributions), `insert` (partitions, select, batchtype) and `queries`
//! (`cql`, `fields: samerow|multirow`).
//!
//! Values derive from the partition seed like the predefined commands: the
//! partition key from the seed (through the column's `population` when
//! given), the number of rows of a partition from the product of the
//! clustering columns' `cluster` distributions, and row `r`'s values from
//! `(seed, r, column)`, so queries can bind values that inserts wrote.

mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::StressError;
use crate::generate::DistSpec;
use crate::schema::cql_text::{TableDef, parse_create_table};

pub use values::{ColumnGen, UserOperation};

#[derive(Debug, Clone, Deserialize)]
pub struct ColumnSpecYaml {
    pub name: String,
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub population: Option<String>,
    #[serde(default)]
    pub cluster: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InsertYaml {
    #[serde(default)]
    pub partitions: Option<String>,
    #[serde(default)]
    pub select: Option<String>,
    #[serde(default)]
    pub batchtype: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum QueryYaml {
    Full {
        cql: String,
        #[serde(default)]
        fields: Option<String>,
    },
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProfileYaml {
    pub keyspace: String,
    #[serde(default)]
    pub keyspace_definition: Option<String>,
    pub table: String,
    #[serde(default)]
    pub table_definition: Option<String>,
    #[serde(default)]
    pub columnspec: Vec<ColumnSpecYaml>,
    #[serde(default)]
    pub insert: InsertYaml,
    #[serde(default)]
    pub queries: BTreeMap<String, QueryYaml>,
}

/// A loaded, checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub path: PathBuf,
    pub yaml: ProfileYaml,
    pub table: TableDef,
    pub columns: Vec<ColumnGen>,
    pub partitions: DistSpec,
    /// Fraction of a partition's rows one insert writes.
    pub select_fraction: f64,
    pub batch_logged: bool,
}

impl Profile {
    pub fn load(path: &Path) -> Result<Self, StressError> {
        let text = std::fs::read_to_string(path).map_err(|e| StressError::io("read", path, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, StressError> {
        let bad = |message: String| StressError::Profile {
            path: path.into(),
            message,
        };
        let yaml: ProfileYaml = serde_norway::from_str(text).map_err(|e| bad(e.to_string()))?;
        let definition = yaml.table_definition.as_deref().ok_or_else(|| {
            bad(
                "table_definition is required (existing tables are not read from the cluster)"
                    .into(),
            )
        })?;
        let table = parse_create_table(definition)
            .ok_or_else(|| bad(format!("cannot read table_definition: {definition}")))?;
        if table.name != yaml.table.to_lowercase() && table.name != yaml.table {
            return Err(bad(format!(
                "table_definition creates {} but table is {}",
                table.name, yaml.table
            )));
        }
        let dist = |text: &Option<String>, default: &str| -> Result<DistSpec, StressError> {
            DistSpec::parse(text.as_deref().unwrap_or(default)).map_err(|e| bad(e.to_string()))
        };
        let mut columns = Vec::new();
        for (name, type_text) in &table.columns {
            let spec = yaml
                .columnspec
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name));
            let none = None;
            let column = ColumnGen::new(
                name,
                type_text,
                dist(spec.map_or(&none, |s| &s.size), "uniform(4..8)")?,
                spec.and_then(|s| s.population.as_ref())
                    .map(|p| DistSpec::parse(p))
                    .transpose()
                    .map_err(|e| bad(e.to_string()))?,
                dist(spec.map_or(&none, |s| &s.cluster), "fixed(1)")?,
                table.partition_key.contains(name),
                table.clustering.contains(name),
            )
            .map_err(bad)?;
            columns.push(column);
        }
        for spec in &yaml.columnspec {
            if !table
                .columns
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(&spec.name))
            {
                return Err(bad(format!(
                    "columnspec names unknown column {}",
                    spec.name
                )));
            }
        }
        let partitions = dist(&yaml.insert.partitions, "fixed(1)")?;
        let select_fraction =
            parse_ratio(yaml.insert.select.as_deref().unwrap_or("fixed(1)/1")).map_err(bad)?;
        let batch_logged = match yaml
            .insert
            .batchtype
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("LOGGED") => true,
            Some("UNLOGGED") => false,
            Some(other) => {
                return Err(bad(format!(
                    "batchtype must be LOGGED or UNLOGGED, not {other}"
                )));
            }
        };
        Ok(Self {
            path: path.into(),
            yaml,
            table,
            columns,
            partitions,
            select_fraction,
            batch_logged,
        })
    }

    /// Names an op may take in `ops(...)`: `insert` and every query.
    pub fn op_names(&self) -> Vec<String> {
        std::iter::once("insert".to_owned())
            .chain(self.yaml.queries.keys().cloned())
            .collect()
    }
}

/// `fixed(1)/1`, `uniform(1..10)/10` → the mean fraction, in (0, 1].
fn parse_ratio(text: &str) -> Result<f64, String> {
    let (dist, denominator) = text
        .rsplit_once('/')
        .ok_or_else(|| format!("select must look like fixed(1)/1, not {text}"))?;
    let dist = DistSpec::parse(dist).map_err(|e| e.to_string())?;
    let denominator: f64 = denominator
        .trim()
        .parse()
        .map_err(|_| format!("bad ratio denominator in {text}"))?;
    let mean = (dist.min() + dist.max()) as f64 / 2.0;
    Ok((mean / denominator).clamp(f64::MIN_POSITIVE, 1.0))
}
