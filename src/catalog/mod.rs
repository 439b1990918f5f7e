//! The semantic layer: logical flat tables (`cloudtrail`, `vpcflow`), their bindings per engine, CTE injection.
//!
//! The catalog is read from `prompts/catalog.toml` (embedded at compile time, or a file given at run time).
//! Each column carries one SQL expression per binding; [`Binding::with_ctes`] turns a query over the logical
//! tables into one over the real source by prepending a `WITH <table> AS (SELECT <expr> AS <column>, …)`.

mod accounts;
mod binding;
mod joins;
mod partition;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use accounts::{ACCOUNT_ID, ACCOUNT_NAME};
pub use partition::{Pushdown, TimeBound};

pub use binding::{
    BindingError, SourceVersion, quote_ident as binding_quote_ident, quote_literal as binding_quote_literal,
};
pub use joins::{JoinHint, JoinKey, between as joins_between};

/// Path of the shipped catalog, relative to the repository root.
pub const CATALOG_PATH: &str = "prompts/catalog.toml";

/// Where the logical tables come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Athena over Security Lake tables of one source version.
    AthenaSecurityLake {
        /// Glue database.
        database: String,
        /// Region part of the table names (`us_east_1`).
        lake_region: String,
        /// Source version 1 (`ColumnExprs::v1`, `LogicalTable::v1_table`) or 2 (`v2`, `v2_table`).
        source_version: SourceVersion,
    },
    /// DuckDB over the generated sample lake (same nested v2 shape).
    DuckDbSampleLake,
    /// DuckDB over raw CloudTrail files in a folder.
    DuckDbCloudTrailFiles {
        /// Folder searched recursively for `*.json` / `*.json.gz`.
        dir: PathBuf,
    },
}

/// The SQL expression of one logical column in each binding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnExprs {
    /// Over the Security Lake v2 (OCSF 1.1.0) table, Trino syntax.
    pub v2: String,
    /// Over the Security Lake source v1 (OCSF 1.0.0-rc.2) table, Trino syntax; `None` if v1 cannot provide it.
    #[serde(default)]
    pub v1: Option<String>,
    /// Over the sample lake in DuckDB, where DuckDB needs different syntax than `v2`.
    #[serde(default)]
    pub duckdb: Option<String>,
    /// Over one raw CloudTrail record `r` (DuckDB JSON); `None` if raw files cannot provide the column.
    #[serde(default)]
    pub raw: Option<String>,
}

/// One column of a logical table, as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicalColumn {
    /// Column name in the logical table.
    pub name: String,
    /// SQL type (Trino spelling: varchar, bigint, boolean, timestamp, array(varchar), …).
    #[serde(rename = "type")]
    pub ty: String,
    /// One-line meaning.
    pub meaning: String,
    /// Example values.
    #[serde(default)]
    pub examples: Vec<String>,
    /// English synonyms users say.
    #[serde(default)]
    pub synonyms_en: Vec<String>,
    /// Korean synonyms users say.
    #[serde(default)]
    pub synonyms_ko: Vec<String>,
    /// What the column can be joined on with other tables (`ip`, `instance`, `account`, `time`, …); the
    /// conventional names `event_time`, `account_id` and `region` are keys without saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<JoinKey>,
    /// Always shown when its table is in the prompt (besides time, account and region).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub core: bool,
    /// Expressions per binding (not shown to the model).
    #[serde(default, skip_serializing)]
    pub expr: ColumnExprs,
}

/// A logical flat table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicalTable {
    /// Name used in SQL (`cloudtrail`, `vpcflow`).
    pub name: String,
    /// What one row is.
    pub description: String,
    /// English names users give the source ("GuardDuty", "flow logs").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms_en: Vec<String>,
    /// Korean names users give the source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms_ko: Vec<String>,
    /// Columns.
    pub columns: Vec<LogicalColumn>,
    /// Suffix of the real Security Lake v2 table (`cloud_trail_mgmt_2_0`), also the sample lake's table name.
    #[serde(default, skip_serializing)]
    pub v2_table: String,
    /// Suffix of the Security Lake source v1 table (`cloud_trail_mgmt_1_0`), if v1 has this source.
    #[serde(default, skip_serializing)]
    pub v1_table: Option<String>,
}

impl LogicalTable {
    /// Column by name (case-insensitive).
    pub fn column(&self, name: &str) -> Option<&LogicalColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The join key a column stands for: its `join` tag, or the one its conventional name implies.
    pub fn join_key(column: &LogicalColumn) -> Option<JoinKey> {
        column.join.or_else(|| JoinKey::implied_by_name(&column.name))
    }

    /// Columns always shown with the table: time, account and region keys and columns marked `core`.
    pub fn core_columns(&self) -> impl Iterator<Item = &LogicalColumn> {
        self.columns
            .iter()
            .filter(|c| c.core || matches!(Self::join_key(c), Some(JoinKey::Time | JoinKey::Account | JoinKey::Region)))
    }

    /// Whether raw CloudTrail files can provide this table (every column has a `raw` expression).
    pub fn available_in_raw_files(&self) -> bool {
        self.columns.iter().all(|c| c.expr.raw.is_some())
    }
}

/// All logical tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// Tables in catalog order.
    pub tables: Vec<LogicalTable>,
    /// Named accounts behind `account_name` (see [`Catalog::with_accounts`]), listed in the prompt.
    pub accounts: Vec<crate::accounts::AccountConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    tables: Vec<LogicalTable>,
}

impl Catalog {
    /// The catalog shipped in `prompts/`.
    pub fn embedded() -> anyhow::Result<Self> {
        let text = crate::templates::embedded(CATALOG_PATH)
            .with_context(|| format!("{CATALOG_PATH} is missing from the build"))?;
        Self::parse(text).with_context(|| format!("the embedded {CATALOG_PATH} is broken"))
    }

    /// Reads a catalog file (same format as `prompts/catalog.toml`).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("could not read catalog file {}", path.display()))?;
        Self::parse(&text).with_context(|| {
            format!("catalog file {} is broken; compare it with {CATALOG_PATH} in the repository", path.display())
        })
    }

    /// Parses catalog TOML text and checks it.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: CatalogFile = toml::from_str(text).context("not valid catalog TOML")?;
        let catalog = Catalog { tables: file.tables, accounts: Vec::new() };
        catalog.check()?;
        Ok(catalog.with_accounts(&crate::accounts::Accounts::default()))
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(!self.tables.is_empty(), "the catalog has no tables");
        let mut seen = std::collections::BTreeSet::new();
        for table in &self.tables {
            anyhow::ensure!(is_identifier(&table.name), "table name {:?} is not a plain SQL identifier", table.name);
            anyhow::ensure!(seen.insert(table.name.to_ascii_lowercase()), "table {} is listed twice", table.name);
            anyhow::ensure!(!table.v2_table.is_empty(), "table {} has no v2_table", table.name);
            anyhow::ensure!(!table.columns.is_empty(), "table {} has no columns", table.name);
            anyhow::ensure!(
                !accounts::declares_account_name(table),
                "table {} declares account_name; remove it: asklake derives it from account_id and [[accounts]]",
                table.name
            );
            let mut cols = std::collections::BTreeSet::new();
            for col in &table.columns {
                anyhow::ensure!(
                    is_identifier(&col.name),
                    "column {}.{:?} is not a plain SQL identifier",
                    table.name,
                    col.name
                );
                anyhow::ensure!(
                    cols.insert(col.name.to_ascii_lowercase()),
                    "column {}.{} is listed twice",
                    table.name,
                    col.name
                );
                anyhow::ensure!(
                    !col.expr.v2.trim().is_empty(),
                    "column {}.{} has no v2 expression",
                    table.name,
                    col.name
                );
                anyhow::ensure!(!col.ty.trim().is_empty(), "column {}.{} has no type", table.name, col.name);
            }
        }
        Ok(())
    }

    /// Table by name (case-insensitive).
    pub fn table(&self, name: &str) -> Option<&LogicalTable> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The same catalog with only the tables named in `names` (catalog order kept).
    pub fn only_tables(&self, names: &[String]) -> Catalog {
        let tables = self.tables.iter().filter(|t| names.iter().any(|n| n.eq_ignore_ascii_case(&t.name))).cloned();
        Catalog { tables: tables.collect(), accounts: self.accounts.clone() }
    }

    /// Table names, comma-separated, for messages.
    pub fn table_names(&self) -> String {
        self.tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests;
