//! The issue's attacks end to end against real DuckDB over the fixture: each is refused by validation, so the
//! engine never runs it (the old validator let all of them through to DuckDB, which ran them).

use std::path::{Path, PathBuf};

use asklake::catalog::Catalog;
use asklake::engines::{ExecOptions, SqlEngine};
use asklake::pipeline::execute::{Origin, RunError, run};
use asklake::pipeline::validate::ValidationError;

use super::fixture::fixture;
use super::{raw_engine, sample_engine};

async fn refused_before_the_engine(engine: &dyn SqlEngine, sql: &str) -> ValidationError {
    let catalog = Catalog::embedded().unwrap();
    match run(engine, &catalog, sql, 100, &ExecOptions::default(), Origin::Model).await {
        Err(RunError::Validation(e)) => e,
        Err(RunError::Engine(e)) => panic!("{sql} reached the engine and failed there: {e}"),
        Ok((v, rows)) => panic!("{sql} ran as {} and returned {:?}", v.executable(), rows.rows),
    }
}

fn first_gz(dir: &Path) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = first_gz(&path) {
                return Some(found);
            }
        } else if path.to_string_lossy().ends_with("CloudTrail_0.json.gz") {
            return Some(path);
        }
    }
    None
}

#[tokio::test]
async fn a_wildcard_replace_cannot_make_duckdb_reveal_settings_databases_queries_or_files() {
    let engine = sample_engine();
    for leak in [
        "(SELECT string_agg(name || '=' || value, ',') FROM duckdb_settings())",
        "(SELECT string_agg(path, ',') FROM duckdb_databases())",
        "(SELECT string_agg(CAST(x AS VARCHAR), ',') FROM query('SELECT 42 AS x'))",
        "(SELECT string_agg(file, ',') FROM glob('/etc/*'))",
    ] {
        let sql = format!("SELECT * REPLACE ({leak} AS region) FROM cloudtrail LIMIT 1");
        let e = refused_before_the_engine(&engine, &sql).await;
        assert!(matches!(&e, ValidationError::NotAllowed(m) if m.contains("wildcard")), "{sql}: {e:?}");
    }
}

#[tokio::test]
async fn a_recursive_cte_or_a_quoted_name_cannot_make_duckdb_read_a_file_of_the_cloudtrail_folder() {
    let engine = raw_engine();
    let file = first_gz(&fixture().cloudtrail_dir).expect("the fixture writes CloudTrail files");
    let path = file.display().to_string().replace('"', "\"\"");
    for sql in [
        format!(r#"WITH RECURSIVE "{path}" AS (SELECT * FROM "{path}") SELECT count(*) AS n FROM "{path}""#),
        format!(r#"SELECT count(*) AS n FROM "{path}""#),
        format!("SELECT count(*) AS n FROM '{}'", path.replace('\'', "''")),
    ] {
        let e = refused_before_the_engine(&engine, &sql).await;
        assert!(matches!(e, ValidationError::NotAllowed(_)), "{sql}: {e:?}");
    }
}
