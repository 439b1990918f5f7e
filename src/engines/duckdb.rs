//! Embedded DuckDB adapter: queries off the async runtime, cancellable, row cap, Trino-compat macros.
//!
//! One base connection is opened per engine (the sample lake file read-only, or an in-memory database for raw
//! CloudTrail files); each query runs on its own clone with the Trino shims installed, on the blocking pool.
//! Cancellation and timeouts interrupt DuckDB through its interrupt handle.

mod convert;
pub mod shims;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use duckdb::{AccessMode, Config as DuckConfig, Connection};

use super::{ColumnMeta, Dialect, EngineError, ExecOptions, QueryResult, QueryStats, SqlEngine};
use crate::catalog::Binding;
use crate::config::{DuckDbConfig, DuckDbSource};
use crate::pipeline::validate::ValidatedSql;

/// Resource settings for DuckDB.
#[derive(Debug, Clone, Default)]
pub struct DuckDbSettings {
    /// Worker threads (0 = DuckDB's default).
    pub threads: u32,
    /// Memory limit such as `"2GB"` (empty = DuckDB's default).
    pub memory_limit: String,
}

/// The embedded engine over one binding.
pub struct DuckDbEngine {
    binding: Binding,
    base: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for DuckDbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuckDbEngine").field("binding", &self.binding).finish_non_exhaustive()
    }
}

impl DuckDbEngine {
    /// Builds the engine `[duckdb]` describes.
    pub fn from_config(cfg: &DuckDbConfig) -> Result<Self, EngineError> {
        let settings = DuckDbSettings { threads: cfg.threads, memory_limit: cfg.memory_limit.clone() };
        match cfg.source {
            DuckDbSource::SampleLake => Self::open_sample_lake(&cfg.path, &settings),
            DuckDbSource::CloudtrailFiles => Self::open_cloudtrail_files(&cfg.cloudtrail_dir, &settings),
        }
    }

    /// Opens the sample lake file read-only.
    pub fn open_sample_lake(path: &Path, settings: &DuckDbSettings) -> Result<Self, EngineError> {
        if !path.is_file() {
            return Err(EngineError::Source {
                message: format!(
                    "the sample lake file {} does not exist; run `asklake sample generate` (or set [duckdb] path)",
                    path.display()
                ),
            });
        }
        let config = base_config(settings)?
            .access_mode(AccessMode::ReadOnly)
            .and_then(|c| c.enable_external_access(false))
            .map_err(|e| unavailable(&e))?;
        let conn = Connection::open_with_flags(path, config).map_err(|e| EngineError::Source {
            message: format!(
                "could not open the sample lake {}: {e}; regenerate it with `asklake sample generate --force`",
                path.display()
            ),
        })?;
        check_sample_tables(&conn, path)?;
        Ok(Self { binding: Binding::DuckDbSampleLake, base: Arc::new(Mutex::new(conn)) })
    }

    /// Opens an in-memory database that reads raw CloudTrail files under `dir`.
    pub fn open_cloudtrail_files(dir: &Path, settings: &DuckDbSettings) -> Result<Self, EngineError> {
        check_cloudtrail_dir(dir)?;
        let dir = dir.canonicalize().map_err(|e| EngineError::Source {
            message: format!("could not read the CloudTrail folder {}: {e}", dir.display()),
        })?;
        let conn = Connection::open_in_memory_with_flags(base_config(settings)?).map_err(|e| unavailable(&e))?;
        restrict_file_access(&conn, &dir);
        Ok(Self { binding: Binding::DuckDbCloudTrailFiles { dir }, base: Arc::new(Mutex::new(conn)) })
    }

    /// A fresh connection to the same database with the Trino shims installed.
    fn connection(&self) -> Result<Connection, EngineError> {
        let conn = {
            let base = self
                .base
                .lock()
                .map_err(|_| EngineError::Unavailable { message: "DuckDB connection lock poisoned".into() })?;
            base.try_clone().map_err(|e| unavailable(&e))?
        };
        // TimeZone exists only with the ICU extension; without it DuckDB's times are UTC already.
        if let Err(e) = conn.execute_batch("SET TimeZone = 'UTC'") {
            tracing::trace!(error = %e, "TimeZone not settable");
        }
        conn.execute_batch(&shims::install_sql()).map_err(|e| unavailable(&e))?;
        Ok(conn)
    }

    fn map_error(&self, e: &duckdb::Error) -> EngineError {
        let message = e.to_string();
        if let Binding::DuckDbCloudTrailFiles { dir } = &self.binding {
            let lower = message.to_ascii_lowercase();
            if ["gzip", "malformed json", "io error", "no files found", "invalid input error", "zlib"]
                .iter()
                .any(|m| lower.contains(m))
            {
                return EngineError::Source {
                    message: format!(
                        "could not read the CloudTrail files under {}: {message}. Remove or re-download the broken file.",
                        dir.display()
                    ),
                };
            }
        }
        EngineError::Query { message }
    }
}

fn base_config(settings: &DuckDbSettings) -> Result<DuckConfig, EngineError> {
    let mut config = DuckConfig::default();
    if settings.threads > 0 {
        config = config.threads(settings.threads.into()).map_err(|e| unavailable(&e))?;
    }
    if !settings.memory_limit.is_empty() {
        config = config.max_memory(&settings.memory_limit).map_err(|e| EngineError::Source {
            message: format!("[duckdb] memory_limit {:?} is not valid: {e}", settings.memory_limit),
        })?;
    }
    Ok(config)
}

fn unavailable(e: &duckdb::Error) -> EngineError {
    EngineError::Unavailable { message: e.to_string() }
}

fn check_sample_tables(conn: &Connection, path: &Path) -> Result<(), EngineError> {
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

/// Lets DuckDB read only `dir`, then locks its configuration (defence in depth behind validation).
fn restrict_file_access(conn: &Connection, dir: &Path) {
    let literal = crate::catalog::binding_quote_literal(&format!("{}/", dir.display()));
    let sql = format!(
        "SET allowed_directories = [{literal}]; SET enable_external_access = false; SET lock_configuration = true;"
    );
    if let Err(e) = conn.execute_batch(&sql) {
        tracing::warn!(error = %e, "could not restrict DuckDB file access to the CloudTrail folder");
    }
}

/// What stopped a running query early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cancelled,
    Timeout,
}

#[async_trait::async_trait]
impl SqlEngine for DuckDbEngine {
    fn name(&self) -> &'static str {
        "DuckDB"
    }

    fn dialect(&self) -> Dialect {
        Dialect::DuckDb
    }

    fn binding(&self) -> &Binding {
        &self.binding
    }

    #[tracing::instrument(name = "duckdb.dry_run", skip_all, fields(tables = ?sql.tables()))]
    async fn dry_run(&self, sql: &ValidatedSql) -> Result<(), EngineError> {
        let conn = self.connection()?;
        let text = sql.executable().to_owned();
        let result = crate::telemetry::spawn_blocking_in_span(move || conn.prepare(&text).map(|_| ()))
            .await
            .map_err(|e| EngineError::Unavailable { message: format!("DuckDB worker failed: {e}") })?;
        result.map_err(|e| self.map_error(&e))
    }

    #[tracing::instrument(name = "duckdb.execute", skip_all, fields(tables = ?sql.tables(), row_cap = opts.row_cap))]
    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        if opts.cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let conn = self.connection()?;
        let interrupt = conn.interrupt_handle();
        let text = sql.executable().to_owned();
        let cap = opts.row_cap;
        let started = Instant::now();
        let mut task = crate::telemetry::spawn_blocking_in_span(move || run(&conn, &text, cap));
        let stop = tokio::select! {
            joined = &mut task => {
                let outcome = joined.map_err(|e| EngineError::Unavailable { message: format!("DuckDB worker failed: {e}") })?;
                let (columns, rows, truncated) = outcome.map_err(|e| self.map_error(&e))?;
                let stats = QueryStats { bytes_scanned: None, elapsed: started.elapsed(), engine_query_id: None };
                tracing::debug!(rows = rows.len(), truncated, elapsed_ms = stats.elapsed.as_millis() as u64, "query done");
                return Ok(QueryResult { columns, rows, truncated, stats });
            }
            _ = opts.cancel.cancelled() => Stop::Cancelled,
            _ = tokio::time::sleep(opts.timeout) => Stop::Timeout,
        };
        // Interrupt until the worker returns: an interrupt sent before DuckDB starts the query is not kept.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !task.is_finished() && Instant::now() < deadline {
            interrupt.interrupt();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!(?stop, "query stopped");
        Err(match stop {
            Stop::Cancelled => EngineError::Cancelled,
            Stop::Timeout => EngineError::Timeout(opts.timeout),
        })
    }
}

type Rows = (Vec<ColumnMeta>, Vec<Vec<super::Value>>, bool);

fn run(conn: &Connection, sql: &str, cap: usize) -> Result<Rows, duckdb::Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let columns: Vec<ColumnMeta> = {
        let s = rows.as_ref().expect("rows come from a statement");
        let names = s.column_names();
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| ColumnMeta { name, ty: convert::column_type(&s.column_type(i)) })
            .collect()
    };
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next()? {
        if out.len() >= cap {
            truncated = true;
            break;
        }
        let mut cells = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            cells.push(convert::value(row.get::<_, duckdb::types::Value>(i)?));
        }
        out.push(cells);
    }
    Ok((columns, out, truncated))
}

#[cfg(test)]
mod tests;
