//! Embedded DuckDB adapter: locked down at open, queries off the async runtime under the engine's limits,
//! cancellable, row cap, Trino-compat macros.
//!
//! One base connection is opened per engine (the sample lake file read-only, or an in-memory database for raw
//! CloudTrail files) and locked down ([`lock`]) before anything else runs on it; opening fails when the lock
//! cannot be set. Each query runs on its own clone of that connection (clones share the locked global
//! settings) with the Trino shims installed, on the blocking pool, while it holds one of the engine's slots
//! ([`QueryLimits`]). The per-query timeout, cancellation and a dropped caller interrupt DuckDB through its
//! interrupt handle, and the slot is only given back once DuckDB has really stopped.

mod convert;
pub mod lock;
pub mod shims;
mod source;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use duckdb::{AccessMode, Config as DuckConfig, Connection, InterruptHandle};
use tokio_util::sync::CancellationToken;

pub use self::source::check_cloudtrail_dir;
use super::limits::QueryLimits;
use super::{ColumnMeta, Dialect, EngineError, ExecOptions, QueryResult, QueryStats, SqlEngine};
use crate::catalog::Binding;
use crate::config::{DuckDbConfig, DuckDbSource};
use crate::pipeline::validate::ValidatedSql;

/// Resource settings for DuckDB, applied by the lock (see [`lock::settings`]).
#[derive(Debug, Clone)]
pub struct DuckDbSettings {
    /// Worker threads for the whole database (0 is taken as 1).
    pub threads: u32,
    /// Memory limit for the whole database, such as `"1GB"` (empty = `"1GB"`).
    pub memory_limit: String,
}

impl Default for DuckDbSettings {
    fn default() -> Self {
        let cfg = DuckDbConfig::default();
        Self { threads: cfg.threads, memory_limit: cfg.memory_limit }
    }
}

/// The embedded engine over one binding.
pub struct DuckDbEngine {
    binding: Binding,
    base: Arc<Mutex<Connection>>,
    limits: QueryLimits,
    /// A frozen "now" for `current_timestamp` and friends (`--now`); the real clock when `None`.
    pinned_now: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for DuckDbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuckDbEngine").field("binding", &self.binding).finish_non_exhaustive()
    }
}

impl DuckDbEngine {
    /// Builds the engine `[duckdb]` describes, with the default `[engine]` limits (see [`Self::with_limits`]).
    pub fn from_config(cfg: &DuckDbConfig) -> Result<Self, EngineError> {
        let settings = DuckDbSettings { threads: cfg.threads, memory_limit: cfg.memory_limit.clone() };
        match cfg.source {
            DuckDbSource::SampleLake => Self::open_sample_lake(&cfg.path, &settings),
            DuckDbSource::CloudtrailFiles => Self::open_cloudtrail_files(&cfg.cloudtrail_dir, &settings),
        }
    }

    /// Opens the sample lake file read-only and locks it down: no file besides the lake itself is readable.
    pub fn open_sample_lake(path: &Path, settings: &DuckDbSettings) -> Result<Self, EngineError> {
        if !path.is_file() {
            return Err(EngineError::Source {
                message: format!(
                    "the sample lake file {} does not exist; run `asklake sample generate` (or set [duckdb] path)",
                    path.display()
                ),
            });
        }
        let config = DuckConfig::default()
            .access_mode(AccessMode::ReadOnly)
            .and_then(|c| c.enable_autoload_extension(false))
            .map_err(|e| unavailable(&e))?;
        let conn = Connection::open_with_flags(path, config).map_err(|e| EngineError::Source {
            message: format!(
                "could not open the sample lake {}: {e}; regenerate it with `asklake sample generate --force`",
                path.display()
            ),
        })?;
        source::check_sample_tables(&conn, path)?;
        lock_down(&conn, settings, None)?;
        Ok(Self::new(Binding::DuckDbSampleLake, conn))
    }

    /// Opens an in-memory database that reads raw CloudTrail files under `dir`, locked down to that folder.
    pub fn open_cloudtrail_files(dir: &Path, settings: &DuckDbSettings) -> Result<Self, EngineError> {
        check_cloudtrail_dir(dir)?;
        let dir = dir.canonicalize().map_err(|e| EngineError::Source {
            message: format!("could not read the CloudTrail folder {}: {e}", dir.display()),
        })?;
        let config = DuckConfig::default().enable_autoload_extension(false).map_err(|e| unavailable(&e))?;
        let conn = Connection::open_in_memory_with_flags(config).map_err(|e| unavailable(&e))?;
        lock_down(&conn, settings, Some(&dir))?;
        Ok(Self::new(Binding::DuckDbCloudTrailFiles { dir }, conn))
    }

    fn new(binding: Binding, conn: Connection) -> Self {
        Self { binding, base: Arc::new(Mutex::new(conn)), limits: QueryLimits::default(), pinned_now: None }
    }

    /// Makes `current_timestamp`, `now()` and `current_date` answer `now` in every query (a frozen clock).
    pub fn with_pinned_now(mut self, now: Option<DateTime<Utc>>) -> Self {
        self.pinned_now = now;
        self
    }

    /// Runs every query under `limits` (slots shared with whoever else holds a clone of them).
    pub fn with_limits(mut self, limits: QueryLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits queries run under.
    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// A fresh connection to the same (locked) database with the Trino shims installed. Blocks briefly.
    #[cfg(test)]
    fn connection(&self) -> Result<Connection, EngineError> {
        clone_with_shims(&self.base, self.pinned_now)
    }

    fn map_error(&self, e: &duckdb::Error) -> EngineError {
        let message = e.to_string();
        if message.contains("Out of Memory Error") {
            return EngineError::ResourceLimit { message };
        }
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

/// Puts the lock on `conn` or fails: DuckDB is never used without it.
fn lock_down(conn: &Connection, settings: &DuckDbSettings, dir: Option<&Path>) -> Result<(), EngineError> {
    lock::apply(conn, &lock::settings(settings, dir)).map_err(|e| EngineError::Unavailable {
        message: format!(
            "{e}; asklake does not run DuckDB without this lock (check [duckdb] memory_limit and threads)"
        ),
    })
}

/// A clone of the base connection with the Trino shims and the current time (pinned or real) installed.
fn clone_with_shims(base: &Mutex<Connection>, pinned_now: Option<DateTime<Utc>>) -> Result<Connection, EngineError> {
    let conn = {
        let base =
            base.lock().map_err(|_| EngineError::Unavailable { message: "DuckDB connection lock poisoned".into() })?;
        base.try_clone().map_err(|e| unavailable(&e))?
    };
    conn.execute_batch(&shims::install_sql()).map_err(|e| unavailable(&e))?;
    conn.execute_batch(&shims::current_time_sql(pinned_now.unwrap_or_else(Utc::now))).map_err(|e| unavailable(&e))?;
    Ok(conn)
}

fn unavailable(e: &duckdb::Error) -> EngineError {
    EngineError::Unavailable { message: e.to_string() }
}

fn worker_failed(e: &tokio::task::JoinError) -> EngineError {
    EngineError::Unavailable { message: format!("DuckDB worker failed: {e}") }
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
        let slot = self.limits.admit(&CancellationToken::new(), self.limits.query_timeout()).await?;
        let base = self.base.clone();
        let text = sql.executable().to_owned();
        let pinned = self.pinned_now;
        let prepared = crate::telemetry::spawn_blocking_in_span(move || {
            let _slot = slot;
            clone_with_shims(&base, pinned).map(|conn| conn.prepare(&text).map(drop))
        })
        .await
        .map_err(|e| worker_failed(&e))??;
        prepared.map_err(|e| self.map_error(&e))
    }

    #[tracing::instrument(name = "duckdb.execute", skip_all, fields(tables = ?sql.tables(), row_cap = opts.row_cap))]
    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        if opts.cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let slot = self.limits.admit(&opts.cancel, opts.timeout).await?;
        let timeout = self.limits.timeout_for(opts.timeout);
        let base = self.base.clone();
        let pinned = self.pinned_now;
        let conn = crate::telemetry::spawn_blocking_in_span(move || clone_with_shims(&base, pinned))
            .await
            .map_err(|e| worker_failed(&e))??;
        let stopper = Stopper { handle: conn.interrupt_handle(), done: Arc::new(AtomicBool::new(false)) };
        let done = DoneOnDrop(stopper.done.clone());
        let text = sql.executable().to_owned();
        let cap = opts.row_cap;
        let started = Instant::now();
        // The slot moves into the worker: it is freed when DuckDB returns, not when this future gives up.
        let mut task = crate::telemetry::spawn_blocking_in_span(move || {
            let (_slot, _done) = (slot, done);
            run(&conn, &text, cap)
        });
        // If this future is dropped mid-query (the question's own timeout, shutdown), DuckDB is still stopped.
        let stop_on_drop = StopOnDrop(stopper);
        let stop = tokio::select! {
            joined = &mut task => {
                let (columns, rows, truncated) = joined.map_err(|e| worker_failed(&e))?.map_err(|e| self.map_error(&e))?;
                let stats = QueryStats { elapsed: started.elapsed(), ..QueryStats::default() };
                tracing::debug!(rows = rows.len(), truncated, elapsed_ms = stats.elapsed.as_millis() as u64, "query done");
                return Ok(QueryResult { columns, rows, truncated, stats });
            }
            _ = opts.cancel.cancelled() => Stop::Cancelled,
            _ = tokio::time::sleep(timeout) => Stop::Timeout,
        };
        drop(stop_on_drop);
        if tokio::time::timeout(Duration::from_secs(10), task).await.is_err() {
            tracing::warn!("DuckDB has not stopped after 10 s of interrupts; it keeps its engine slot until it does");
        }
        tracing::info!(?stop, timeout_ms = timeout.as_millis() as u64, "query stopped");
        Err(match stop {
            Stop::Cancelled => EngineError::Cancelled,
            Stop::Timeout => EngineError::Timeout(timeout),
        })
    }
}

/// Interrupts one DuckDB query until its worker is done. An interrupt sent before DuckDB starts the query is
/// not kept, so a plain thread repeats it every 20 ms; it needs no async runtime, so it also runs from `Drop`.
struct Stopper {
    handle: Arc<InterruptHandle>,
    done: Arc<AtomicBool>,
}

/// Stops the query when dropped before its worker finished: on timeout or cancel, and when the future running
/// the query is dropped.
struct StopOnDrop(Stopper);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if self.0.done.load(Ordering::SeqCst) {
            return;
        }
        let (handle, done) = (self.0.handle.clone(), self.0.done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                handle.interrupt();
                std::thread::sleep(Duration::from_millis(20));
            }
        });
    }
}

/// Marks the worker done when it returns or unwinds.
struct DoneOnDrop(Arc<AtomicBool>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
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
mod lock_tests;
#[cfg(test)]
mod tests;
