//! Checks that the DuckDB engine's data source is there before it opens: the sample lake's tables, or a folder
//! holding raw CloudTrail files.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::unavailable;
use crate::engines::EngineError;

/// Checks the sample lake against the catalog: without CloudTrail the file is not a sample lake (an error); any
/// other catalog table it lacks (a lake made before that source existed) is a source that is off, as a missing
/// Security Lake table is on Athena (`pipeline::sources` leaves it out of the prompt and answers questions about it
/// with how to enable it). The missing tables are logged once with the command that regenerates the lake.
pub(super) fn check_sample_tables(conn: &Connection, path: &Path) -> Result<(), EngineError> {
    let missing = missing_sample_tables(conn)?;
    let cloudtrail = crate::sample::schema::CLOUDTRAIL_TABLE;
    if missing.iter().any(|t| t == cloudtrail) {
        return Err(EngineError::Source {
            message: format!(
                "{} holds no {cloudtrail} table, so it is not a sample lake; run `asklake sample generate --force`",
                path.display()
            ),
        });
    }
    if !missing.is_empty() {
        tracing::warn!(
            lake = %path.display(),
            missing = %missing.join(", "),
            "the sample lake predates these tables; their sources are off. Regenerate it with \
             `asklake sample generate --force --out {}`",
            path.display()
        );
    }
    Ok(())
}

/// The catalog's sample-lake tables (`v2_table`) that `conn` lacks, in catalog order.
pub(super) fn missing_sample_tables(conn: &Connection) -> Result<Vec<String>, EngineError> {
    let catalog = crate::catalog::Catalog::embedded()
        .map_err(|e| EngineError::Source { message: format!("the embedded catalog is broken: {e:#}") })?;
    let mut missing = Vec::new();
    for table in catalog.tables.iter().map(|t| t.v2_table.as_str()) {
        let n: i64 = conn
            .query_row("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table], |r| r.get(0))
            .map_err(|e| unavailable(&e))?;
        if n == 0 {
            missing.push(table.to_owned());
        }
    }
    Ok(missing)
}

/// Fails when `dir` is missing or holds no `*.json` / `*.json.gz` file.
pub fn check_cloudtrail_dir(dir: &Path) -> Result<(), EngineError> {
    if !dir.is_dir() {
        return Err(EngineError::Source {
            message: format!(
                "the CloudTrail folder {} does not exist; sync a trail bucket there (aws s3 sync) or set [duckdb] cloudtrail_dir",
                dir.display()
            ),
        });
    }
    if !has_json_file(dir, 0) {
        return Err(EngineError::Source {
            message: format!(
                "the CloudTrail folder {} holds no *.json or *.json.gz files; sync a trail bucket there (aws s3 sync)",
                dir.display()
            ),
        });
    }
    Ok(())
}

fn has_json_file(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let p: PathBuf = e.path();
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if p.is_dir() {
            depth < 16 && has_json_file(&p, depth + 1)
        } else {
            name.ends_with(".json") || name.ends_with(".json.gz")
        }
    })
}
