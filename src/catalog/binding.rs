//! Bindings: the real source of each logical table per engine, and the CTEs that map it to flat columns.

use super::{Binding, Catalog, LogicalColumn, LogicalTable};

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
}

/// Largest single CloudTrail file DuckDB will read (a whole `{"Records":[…]}` object), in bytes.
const MAX_CLOUDTRAIL_OBJECT_BYTES: u64 = 64 * 1024 * 1024;

impl Binding {
    /// The binding the configured engine uses (raw-file folders as configured, not canonicalised).
    pub fn from_config(config: &crate::config::Config) -> Self {
        use crate::config::{DuckDbSource, EngineKind};
        match (config.engine.kind, config.duckdb.source) {
            (EngineKind::Athena, _) => {
                Binding::AthenaSecurityLake { database: config.athena_database(), lake_region: config.lake_region() }
            }
            (EngineKind::Duckdb, DuckDbSource::SampleLake) => Binding::DuckDbSampleLake,
            (EngineKind::Duckdb, DuckDbSource::CloudtrailFiles) => {
                Binding::DuckDbCloudTrailFiles { dir: config.duckdb.cloudtrail_dir.clone() }
            }
        }
    }

    /// Human description for messages.
    pub fn describe(&self) -> String {
        match self {
            Binding::AthenaSecurityLake { database, .. } => format!("Athena (Security Lake database {database})"),
            Binding::DuckDbSampleLake => "the DuckDB sample lake".into(),
            Binding::DuckDbCloudTrailFiles { dir } => format!("raw CloudTrail files in {}", dir.display()),
        }
    }

    /// The expression computing `col` in this binding, if the binding can provide it.
    pub fn expr<'a>(&self, col: &'a LogicalColumn) -> Option<&'a str> {
        match self {
            Binding::AthenaSecurityLake { .. } => Some(&col.expr.v2),
            Binding::DuckDbSampleLake => Some(col.expr.duckdb.as_deref().unwrap_or(&col.expr.v2)),
            Binding::DuckDbCloudTrailFiles { .. } => col.expr.raw.as_deref(),
        }
    }

    /// Whether this binding can provide `table`.
    pub fn provides(&self, table: &LogicalTable) -> bool {
        match self {
            Binding::DuckDbCloudTrailFiles { .. } => table.available_in_raw_files(),
            _ => true,
        }
    }

    /// Logical tables this binding provides, comma-separated.
    pub fn available_tables(&self, catalog: &Catalog) -> String {
        catalog.tables.iter().filter(|t| self.provides(t)).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The real relation behind `table`, as SQL usable after `FROM`.
    pub fn source(&self, table: &LogicalTable) -> String {
        match self {
            Binding::AthenaSecurityLake { database, lake_region } => format!(
                "{}.{}",
                quote_ident(database),
                quote_ident(&format!("amazon_security_lake_table_{lake_region}_{}", table.v2_table))
            ),
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
        Ok(format!("{} AS (SELECT {} FROM {} AS src)", t.name, columns.join(", "), self.source(t)))
    }

    /// Prepends CTEs for `tables` to a query over logical tables.
    ///
    /// `user_ctes` are the query's own CTEs (already rendered as `name AS (…)`), kept after the binding's so
    /// they can read the logical tables; `body` is the rest of the query without its `WITH`.
    pub fn with_ctes(
        &self,
        catalog: &Catalog,
        tables: &[String],
        recursive: bool,
        user_ctes: &[String],
        body: &str,
    ) -> Result<String, BindingError> {
        let mut ctes = tables.iter().map(|t| self.cte(catalog, t)).collect::<Result<Vec<_>, _>>()?;
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
