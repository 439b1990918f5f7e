//! The semantic layer: logical flat tables (`cloudtrail`, `vpcflow`), their bindings per engine, CTE injection.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the logical tables come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Athena over Security Lake source v2 tables.
    AthenaSecurityLake {
        /// Glue database.
        database: String,
        /// Region part of the table names (`us_east_1`).
        lake_region: String,
    },
    /// DuckDB over the generated sample lake (same nested v2 shape).
    DuckDbSampleLake,
    /// DuckDB over raw CloudTrail files in a folder.
    DuckDbCloudTrailFiles {
        /// Folder searched recursively for `*.json` / `*.json.gz`.
        dir: PathBuf,
    },
}

/// One column of a logical table, as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// A logical flat table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogicalTable {
    /// Name used in SQL (`cloudtrail`, `vpcflow`).
    pub name: String,
    /// What one row is.
    pub description: String,
    /// Columns.
    pub columns: Vec<LogicalColumn>,
}

/// All logical tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// Tables in catalog order.
    pub tables: Vec<LogicalTable>,
}

impl Catalog {
    /// The catalog shipped in `prompts/`.
    pub fn embedded() -> anyhow::Result<Self> {
        anyhow::bail!("the catalog is not built yet")
    }

    /// Table by name (case-insensitive).
    pub fn table(&self, name: &str) -> Option<&LogicalTable> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }
}
