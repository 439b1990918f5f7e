//! Bindings: the real source of each logical table per engine, and the CTEs that map it to flat columns.

use std::collections::BTreeMap;

use super::partition::Pushdown;
use super::{Binding, Catalog, LogicalColumn, LogicalTable};

/// Security Lake source version the Athena binding reads.
///
/// Version 1 tables hold OCSF 1.0.0-rc.2 and are partitioned by `eventday` ('YYYYMMDD'), `region` and
/// `accountid`; version 2 tables hold OCSF 1.1.0 and are partitioned by `time_dt`, `region` and `accountid`
/// (AWS Security Lake user guide, "Security Lake queries for AWS source version 1 / 2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(try_from = "u8")]
pub enum SourceVersion {
    /// Source version 1 (`…_1_0` tables, OCSF 1.0.0-rc.2).
    V1,
    /// Source version 2 (`…_2_0` tables, OCSF 1.1.0).
    #[default]
    V2,
}

impl TryFrom<u8> for SourceVersion {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            1 => Ok(SourceVersion::V1),
            2 => Ok(SourceVersion::V2),
            other => Err(format!("source_version must be 1 or 2, not {other}")),
        }
    }
}

impl SourceVersion {
    /// `1` or `2`.
    pub fn number(self) -> u8 {
        match self {
            SourceVersion::V1 => 1,
            SourceVersion::V2 => 2,
        }
    }

    /// OCSF version of the tables.
    pub fn ocsf(self) -> &'static str {
        match self {
            SourceVersion::V1 => "OCSF 1.0.0-rc.2",
            SourceVersion::V2 => "OCSF 1.1.0",
        }
    }
}

/// Why a query over logical tables cannot be bound to a source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    /// The table is not in the catalog.
    #[error("unknown table {0}")]
    UnknownTable(String),
    /// The binding cannot provide the table (for example `vpcflow` over raw CloudTrail files).
    #[error("table {table} is not available over {binding}; available: {available}")]
    NotAvailable {
        /// Logical table.
        table: String,
        /// Binding description.
        binding: String,
        /// Tables this binding provides.
        available: String,
    },
    /// The binding cannot provide a column of a table it has (Security Lake source version 1 lacks some fields).
    #[error(
        "column {table}.{column} is not available over {binding}; {table} there has: {available}. \
         Use one of those columns instead"
    )]
    ColumnNotAvailable {
        /// Logical table.
        table: String,
        /// Logical column.
        column: String,
        /// Binding description.
        binding: String,
        /// Columns of the table this binding provides.
        available: String,
    },
}

/// Largest single CloudTrail file DuckDB will read (a whole `{"Records":[…]}` object), in bytes.
const MAX_CLOUDTRAIL_OBJECT_BYTES: u64 = 64 * 1024 * 1024;

impl Binding {
    /// The binding the configured engine uses (raw-file folders as configured, not canonicalised).
    pub fn from_config(config: &crate::config::Config) -> Self {
        use crate::config::{DuckDbSource, EngineKind};
        match (config.engine.kind, config.duckdb.source) {
            (EngineKind::Athena, _) => Binding::AthenaSecurityLake {
                database: config.athena_database(),
                lake_region: config.lake_region(),
                source_version: config.athena.source_version,
            },
            (EngineKind::Duckdb, DuckDbSource::SampleLake) => Binding::DuckDbSampleLake,
            (EngineKind::Duckdb, DuckDbSource::CloudtrailFiles) => {
                Binding::DuckDbCloudTrailFiles { dir: config.duckdb.cloudtrail_dir.clone() }
            }
        }
    }

    /// Human description for messages.
    pub fn describe(&self) -> String {
        match self {
            Binding::AthenaSecurityLake { database, source_version, .. } => format!(
                "Athena (Security Lake database {database}, source version {}, {})",
                source_version.number(),
                source_version.ocsf()
            ),
            Binding::DuckDbSampleLake => "the DuckDB sample lake".into(),
            Binding::DuckDbCloudTrailFiles { dir } => format!("raw CloudTrail files in {}", dir.display()),
        }
    }

    /// The expression computing `col` in this binding, if the binding can provide it.
    pub fn expr<'a>(&self, col: &'a LogicalColumn) -> Option<&'a str> {
        match self {
            Binding::AthenaSecurityLake { source_version: SourceVersion::V2, .. } => Some(&col.expr.v2),
            Binding::AthenaSecurityLake { source_version: SourceVersion::V1, .. } => col.expr.v1.as_deref(),
            Binding::DuckDbSampleLake => Some(col.expr.duckdb.as_deref().unwrap_or(&col.expr.v2)),
            Binding::DuckDbCloudTrailFiles { .. } => col.expr.raw.as_deref(),
        }
    }

    /// Whether this binding can provide `table`.
    pub fn provides(&self, table: &LogicalTable) -> bool {
        match self {
            Binding::DuckDbCloudTrailFiles { .. } => table.available_in_raw_files(),
            Binding::AthenaSecurityLake { source_version: SourceVersion::V1, .. } => {
                table.v1_table.is_some() && table.columns.iter().any(|c| c.expr.v1.is_some())
            }
            _ => true,
        }
    }

    /// Whether this binding can provide `column` of a table it provides.
    pub fn provides_column(&self, column: &LogicalColumn) -> bool {
        self.expr(column).is_some()
    }

    /// The catalog as this binding sees it: only the tables and columns it can provide. The prompt shows this
    /// view, so the model is never offered a column the bound source lacks.
    pub fn bound_catalog(&self, catalog: &Catalog) -> Catalog {
        let mut view = self.column_view(catalog);
        view.tables.retain(|t| catalog.table(&t.name).is_some_and(|full| self.provides(full)));
        view
    }

    /// Every table of `catalog`, each with only the columns this binding can provide (the validator resolves
    /// names against this, so a query cannot name a column the bound source lacks).
    pub fn column_view(&self, catalog: &Catalog) -> Catalog {
        let tables = catalog
            .tables
            .iter()
            .map(|t| LogicalTable {
                columns: t.columns.iter().filter(|c| self.provides_column(c)).cloned().collect(),
                ..t.clone()
            })
            .collect();
        Catalog { tables, accounts: catalog.accounts.clone() }
    }

    /// The error for a column of `table` this binding cannot provide, or `None` when it can (or the table or
    /// column is unknown).
    pub fn column_error(&self, catalog: &Catalog, table: &str, column: &str) -> Option<BindingError> {
        let t = catalog.table(table)?;
        let c = t.column(column)?;
        if self.provides_column(c) {
            return None;
        }
        let available: Vec<&str> =
            t.columns.iter().filter(|c| self.provides_column(c)).map(|c| c.name.as_str()).collect();
        Some(BindingError::ColumnNotAvailable {
            table: t.name.clone(),
            column: c.name.clone(),
            binding: self.describe(),
            available: available.join(", "),
        })
    }

    /// Logical tables this binding provides, comma-separated.
    pub fn available_tables(&self, catalog: &Catalog) -> String {
        catalog.tables.iter().filter(|t| self.provides(t)).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The real relation behind `table`, as SQL usable after `FROM`.
    pub fn source(&self, table: &LogicalTable) -> String {
        match self {
            Binding::AthenaSecurityLake { database, lake_region, source_version } => {
                let suffix = match source_version {
                    SourceVersion::V2 => &table.v2_table,
                    SourceVersion::V1 => table.v1_table.as_ref().unwrap_or(&table.v2_table),
                };
                format!(
                    "{}.{}",
                    quote_ident(database),
                    quote_ident(&format!("amazon_security_lake_table_{lake_region}_{suffix}"))
                )
            }
            Binding::DuckDbSampleLake => quote_ident(&table.v2_table),
            Binding::DuckDbCloudTrailFiles { dir } => {
                let glob = format!("{}/**/*.json*", dir.display().to_string().trim_end_matches('/'));
                format!(
                    "(SELECT unnest(Records) AS r FROM read_json({}, columns = {{Records: 'JSON[]'}}, format = 'auto', \
                     maximum_object_size = {MAX_CLOUDTRAIL_OBJECT_BYTES}))",
                    quote_literal(&glob)
                )
            }
        }
    }

    /// `name AS (SELECT <expr> AS <col>, … FROM <source> AS src)` for one logical table.
    pub fn cte(&self, catalog: &Catalog, table: &str) -> Result<String, BindingError> {
        self.pruned_cte(catalog, table, &Pushdown::default())
    }

    /// [`Binding::cte`] with the partition predicates of `pushdown` in a `WHERE` on the source.
    pub fn pruned_cte(&self, catalog: &Catalog, table: &str, pushdown: &Pushdown) -> Result<String, BindingError> {
        let t = catalog.table(table).ok_or_else(|| BindingError::UnknownTable(table.to_owned()))?;
        if !self.provides(t) {
            return Err(BindingError::NotAvailable {
                table: t.name.clone(),
                binding: self.describe(),
                available: self.available_tables(catalog),
            });
        }
        let columns: Vec<String> =
            t.columns.iter().filter_map(|c| self.expr(c).map(|e| format!("{e} AS {}", c.name))).collect();
        let predicates = self.partition_predicates(t, pushdown);
        let filter = if predicates.is_empty() { String::new() } else { format!(" WHERE {}", predicates.join(" AND ")) };
        Ok(format!("{} AS (SELECT {} FROM {} AS src{filter})", t.name, columns.join(", "), self.source(t)))
    }

    /// Prepends CTEs for `tables` to a query over logical tables.
    ///
    /// `user_ctes` are the query's own CTEs (already rendered as `name AS (…)`), kept after the binding's so
    /// they can read the logical tables; `body` is the rest of the query without its `WITH`. `pushdowns` holds,
    /// per table, what every use of it in the query restricts it to; it becomes partition predicates.
    pub fn with_ctes(
        &self,
        catalog: &Catalog,
        tables: &[String],
        pushdowns: &BTreeMap<String, Pushdown>,
        recursive: bool,
        user_ctes: &[String],
        body: &str,
    ) -> Result<String, BindingError> {
        let none = Pushdown::default();
        let mut ctes = tables
            .iter()
            .map(|t| self.pruned_cte(catalog, t, pushdowns.get(t).unwrap_or(&none)))
            .collect::<Result<Vec<_>, _>>()?;
        ctes.extend(user_ctes.iter().cloned());
        if ctes.is_empty() {
            return Ok(body.to_owned());
        }
        let keyword = if recursive { "WITH RECURSIVE" } else { "WITH" };
        Ok(format!("{keyword} {}\n{body}", ctes.join(",\n")))
    }
}

/// Quotes an identifier with double quotes.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Quotes a string literal with single quotes.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
