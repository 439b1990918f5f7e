//! The semantic layer: logical flat tables (`cloudtrail`, `vpcflow`), their bindings per engine, CTE injection.

use std::path::PathBuf;

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
