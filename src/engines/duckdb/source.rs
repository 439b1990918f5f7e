//! Checks that the DuckDB engine's data source is there before it opens: the sample lake's tables, or a folder
//! holding raw CloudTrail files.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::unavailable;
use crate::engines::EngineError;

/// Fails unless `conn` holds the sample lake's CloudTrail and VPC Flow tables.
pub(super) fn check_sample_tables(conn: &Connection, path: &Path) -> Result<(), EngineError> {
    let wanted = [crate::sample::schema::CLOUDTRAIL_TABLE, crate::sample::schema::VPCFLOW_TABLE];
    for table in wanted {
        let n: i64 = conn
            .query_row("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table], |r| r.get(0))
            .map_err(|e| unavailable(&e))?;
        if n == 0 {
            return Err(EngineError::Source {
                message: format!(
                    "{} holds no {table} table, so it is not a sample lake; run `asklake sample generate --force`",
                    path.display()
                ),
            });
        }
    }
    Ok(())
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
