//! Defence in depth: every connection of a locked engine refuses to loosen its lock or to reach outside its
//! folder, for SQL run directly on the connection (the validator never sees it); and a lock that cannot be put
//! in place stops the engine from opening.

use std::path::Path;

use duckdb::Connection;

use super::lock::{self, LockError, LockSetting};
use super::{DuckDbEngine, DuckDbSettings};
use crate::engines::EngineError;

fn raw_engine(dir: &Path, settings: &DuckDbSettings) -> Result<DuckDbEngine, EngineError> {
    std::fs::write(dir.join("a.json"), r#"{"Records":[{"eventID":"e1","eventName":"ConsoleLogin"}]}"#).unwrap();
    DuckDbEngine::open_cloudtrail_files(dir, settings)
}

fn sample_engine(dir: &Path, settings: &DuckDbSettings) -> Result<DuckDbEngine, EngineError> {
    let lake = dir.join("lake.duckdb");
    let c = Connection::open(&lake).unwrap();
    c.execute_batch(crate::sample::schema::CLOUDTRAIL_DDL).unwrap();
    c.execute_batch(crate::sample::schema::VPCFLOW_DDL).unwrap();
    drop(c);
    DuckDbEngine::open_sample_lake(&lake, settings)
}

/// SQL the validator refuses, which the engine's own connections must refuse as well.
fn hostile(outside: &Path) -> Vec<String> {
    let o = outside.display();
    [
        "SET lock_configuration = false",
        "RESET lock_configuration",
        "SET enable_external_access = true",
        "SET GLOBAL memory_limit = '100GB'",
        "SET threads = 64",
        "SET allowed_directories = ['/']",
        "SET temp_directory = '/tmp'",
        "SET autoload_known_extensions = true",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "INSTALL httpfs",
        "LOAD httpfs",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([
        format!("COPY (SELECT 42 AS x) TO '{o}/stolen.csv'"),
        format!("ATTACH '{o}/other.duckdb' AS other"),
        format!("SELECT * FROM read_csv('{o}/secret.csv')"),
    ])
    .collect()
}

/// Runs every hostile statement on `conn`; returns the ones DuckDB accepted.
fn accepted(conn: &Connection, outside: &Path) -> Vec<String> {
    let mut ok: Vec<String> = hostile(outside).into_iter().filter(|sql| conn.execute_batch(sql).is_ok()).collect();
    // glob() must not list anything outside the folder (an error or no rows both hold that).
    if conn.query_row("SELECT count(*) FROM glob('/*')", [], |r| r.get::<_, i64>(0)).is_ok_and(|n| n > 0) {
        ok.push("SELECT * FROM glob('/*')".into());
    }
    ok
}

fn assert_locked(engine: &DuckDbEngine, outside: &Path) {
    std::fs::write(outside.join("secret.csv"), "x\n1\n").unwrap();
    let clone = engine.connection().unwrap();
    assert_eq!(accepted(&clone, outside), Vec::<String>::new(), "a query's connection accepted these");
    let base = engine.base.lock().unwrap();
    assert_eq!(accepted(&base, outside), Vec::<String>::new(), "the base connection accepted these");
    assert!(!outside.join("stolen.csv").exists() && !outside.join("other.duckdb").exists());
    let locked: bool = clone.query_row("SELECT current_setting('lock_configuration')", [], |r| r.get(0)).unwrap();
    assert!(locked, "still locked after the attempts");
}

#[test]
fn every_connection_of_the_raw_files_engine_keeps_its_lock_and_its_folder() {
    let (dir, outside) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let engine = raw_engine(dir.path(), &DuckDbSettings::default()).unwrap();
    assert_locked(&engine, outside.path());
    let inside = format!("SELECT count(*) FROM read_json('{}/*.json')", dir.path().canonicalize().unwrap().display());
    let n: i64 = engine.connection().unwrap().query_row(&inside, [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "its own folder stays readable");
}

#[test]
fn every_connection_of_the_sample_lake_engine_keeps_its_lock_and_reads_no_file() {
    let (dir, outside) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let engine = sample_engine(dir.path(), &DuckDbSettings::default()).unwrap();
    assert_locked(&engine, outside.path());
    std::fs::write(dir.path().join("beside.csv"), "x\n1\n").unwrap();
    let beside = format!("SELECT * FROM read_csv('{}/beside.csv')", dir.path().display());
    assert!(engine.connection().unwrap().execute_batch(&beside).is_err(), "not even a file beside the lake");
}

#[test]
fn the_lock_reads_back_the_configured_limits_on_a_querys_connection() {
    let dir = tempfile::tempdir().unwrap();
    let settings = DuckDbSettings { threads: 2, memory_limit: "512MB".into() };
    let engine = raw_engine(dir.path(), &settings).unwrap();
    let conn = engine.connection().unwrap();
    let sql = "SELECT current_setting('threads'), current_setting('memory_limit'), current_setting('temp_directory'), \
               current_setting('enable_external_access'), current_setting('allowed_directories')";
    let (threads, memory, temp, external, dirs): (i64, String, String, bool, String) = conn
        .query_row(sql, [], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, duckdb::types::Value>(4).map(|v| format!("{v:?}"))?,
            ))
        })
        .unwrap();
    assert_eq!((threads, temp.as_str(), external), (2, "", false));
    assert!(memory.starts_with("488.2"), "512MB reads back in MiB: {memory}");
    let folder = dir.path().canonicalize().unwrap().display().to_string();
    assert!(
        dirs.contains(&format!("{folder}/")) && dirs.matches('/').count() == folder.matches('/').count() + 1,
        "{dirs}"
    );
}

#[test]
fn a_memory_limit_duckdb_cannot_parse_stops_both_engines_from_opening() {
    let settings = DuckDbSettings { threads: 1, memory_limit: "lots".into() };
    for opened in [
        raw_engine(tempfile::tempdir().unwrap().path(), &settings),
        sample_engine(tempfile::tempdir().unwrap().path(), &settings),
    ] {
        match opened {
            Err(EngineError::Unavailable { message }) => {
                assert!(message.contains("memory_limit") && message.contains("'lots'"), "{message}");
                assert!(message.contains("without this lock"), "{message}");
            }
            other => panic!("the engine opened without its lock: {other:?}"),
        }
    }
}

#[test]
fn a_refused_set_or_a_setting_that_does_not_read_back_fails_the_lock() {
    let conn = Connection::open_in_memory().unwrap();
    let refused = LockSetting { name: "threads", value: "'many'".into(), check: None };
    let err = lock::apply(&conn, &[refused]).unwrap_err();
    assert!(matches!(err, LockError::Set { name: "threads", .. }), "{err}");
    let unchecked =
        LockSetting { name: "threads", value: "2".into(), check: Some("current_setting('threads') = 3".into()) };
    let err = lock::apply(&conn, &[unchecked]).unwrap_err();
    assert!(matches!(err, LockError::NotApplied { name: "threads", .. }), "{err}");
}

#[test]
fn the_folder_is_allowed_before_external_access_goes_off_and_the_lock_comes_last() {
    let settings = lock::settings(&DuckDbSettings::default(), Some(Path::new("/data/ct")));
    let names: Vec<&str> = settings.iter().map(|s| s.name).collect();
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(at("temp_directory") < at("enable_external_access"));
    assert!(at("allowed_directories") < at("enable_external_access"));
    assert_eq!(names.last(), Some(&"lock_configuration"));
    assert!(settings.iter().any(|s| s.name == "allowed_directories" && s.value == "['/data/ct/']"));
}
