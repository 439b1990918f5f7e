//! The lock put on every DuckDB database the engine opens, before its first query: resource caps, no spilling,
//! no extensions, no file access outside one folder, then the configuration itself locked.
//!
//! Every setting is global, so the clones each query runs on inherit it. Each one is set with `SET GLOBAL` and
//! read back with `current_setting`; the first failure stops the engine from opening (fail closed), and the
//! error names the setting. Order matters: `temp_directory` and `allowed_directories` can only change while
//! external access is on, and `lock_configuration` must come last.

use std::path::Path;

use duckdb::Connection;

use super::DuckDbSettings;

/// One setting of the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockSetting {
    /// DuckDB setting name.
    pub name: &'static str,
    /// SQL literal the setting is given (`SET GLOBAL name = value`).
    pub value: String,
    /// SQL predicate over `current_setting(name)` that must hold afterwards; `None` when the read-back form
    /// differs from the input (`memory_limit` reads back as `953.6 MiB`) and the `SET` succeeding is the check.
    pub check: Option<String>,
}

impl LockSetting {
    fn new(name: &'static str, value: impl Into<String>, expected: Option<&str>) -> Self {
        let check = expected.map(|e| format!("current_setting('{name}') = {e}"));
        Self { name, value: value.into(), check }
    }
}

/// Why the lock could not be put in place.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// DuckDB refused a `SET`.
    #[error("DuckDB refused `SET {name} = {value}`: {source}")]
    Set {
        /// Setting name.
        name: &'static str,
        /// Value given.
        value: String,
        /// DuckDB's error.
        source: duckdb::Error,
    },
    /// The setting reads back differently from what was set.
    #[error("DuckDB setting {name} did not take effect (`{check}` is not true)")]
    NotApplied {
        /// Setting name.
        name: &'static str,
        /// The failed predicate.
        check: String,
    },
}

/// The lock for a database reading only `allowed_dir` (raw CloudTrail files), or no file at all besides its own
/// database file (the sample lake, `None`).
pub fn settings(settings: &DuckDbSettings, allowed_dir: Option<&Path>) -> Vec<LockSetting> {
    let memory = if settings.memory_limit.trim().is_empty() { "1GB" } else { settings.memory_limit.trim() };
    let threads = settings.threads.max(1).to_string();
    let mut lock = vec![
        LockSetting::new("memory_limit", quote(memory), None),
        LockSetting::new("threads", threads.clone(), Some(threads.as_str())),
        // No spilling: a query that outgrows memory_limit fails instead of filling the disk.
        LockSetting::new("temp_directory", "''", Some("''")),
        LockSetting::new("autoinstall_known_extensions", "false", Some("false")),
        LockSetting::new("autoload_known_extensions", "false", Some("false")),
    ];
    if let Some(dir) = allowed_dir {
        let dir = quote(&format!("{}/", dir.display().to_string().trim_end_matches('/')));
        let list = format!("[{dir}]");
        lock.push(LockSetting::new("allowed_directories", list.clone(), Some(list.as_str())));
    }
    lock.push(LockSetting::new("enable_external_access", "false", Some("false")));
    if allowed_dir.is_none() {
        // Read back only: with external access off, an empty list means no file is readable.
        lock.push(LockSetting { name: "allowed_directories", value: String::new(), check: Some(empty_dirs()) });
    }
    lock.push(LockSetting::new("lock_configuration", "true", Some("true")));
    lock
}

fn empty_dirs() -> String {
    "len(current_setting('allowed_directories')) = 0".into()
}

/// Applies `lock` in order, then checks every setting; an empty `value` only checks.
///
/// # Errors
/// The first setting DuckDB refuses or that does not read back as expected.
pub fn apply(conn: &Connection, lock: &[LockSetting]) -> Result<(), LockError> {
    for s in lock.iter().filter(|s| !s.value.is_empty()) {
        conn.execute_batch(&format!("SET GLOBAL {} = {}", s.name, s.value)).map_err(|source| LockError::Set {
            name: s.name,
            value: s.value.clone(),
            source,
        })?;
    }
    for s in lock {
        let Some(check) = &s.check else { continue };
        let holds = conn.query_row(&format!("SELECT coalesce(({check}), false)"), [], |r| r.get::<_, bool>(0));
        if !matches!(holds, Ok(true)) {
            return Err(LockError::NotApplied { name: s.name, check: check.clone() });
        }
    }
    Ok(())
}

/// A single-quoted SQL string literal.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
