//! The `SqlEngine` seam: run validated SQL and return typed rows. Adapters: DuckDB (embedded) and Athena.

pub mod athena;
pub mod cli;
pub mod display;
pub mod duckdb;
pub mod format;
pub mod limits;
pub mod scan;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::catalog::Binding;
use crate::pipeline::Language;
use crate::pipeline::validate::ValidatedSql;

/// SQL dialect an engine speaks; the model always writes Trino, DuckDB gets shims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dialect {
    /// Athena engine v3 (Trino).
    Trino,
    /// DuckDB with Trino-compat macros.
    DuckDb,
}

/// Type of a result column, reduced to what rendering needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ColumnType {
    /// true/false.
    Boolean,
    /// Any integer width.
    Integer,
    /// Floating point or decimal.
    Float,
    /// Text.
    Text,
    /// Timestamp (rendered in UTC unless a time zone is applied).
    Timestamp,
    /// Anything else (lists, structs, maps), rendered as text; carries the engine's type name.
    Other(String),
}

/// Column name and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMeta {
    /// Name as returned by the engine.
    pub name: String,
    /// Reduced type.
    pub ty: ColumnType,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Text (also nested values rendered as text).
    Text(String),
    /// Timestamp in UTC.
    Timestamp(DateTime<Utc>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str(""),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.0}")
                } else {
                    write!(f, "{x:.4}")
                }
            }
            Value::Text(s) => f.write_str(s),
            Value::Timestamp(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

/// Execution statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryStats {
    /// Bytes scanned (Athena); `None` where the engine does not say.
    pub bytes_scanned: Option<u64>,
    /// Wall time of the execution.
    pub elapsed: Duration,
    /// Engine-side id (Athena QueryExecutionId).
    pub engine_query_id: Option<String>,
    /// The engine answered with the stored result of an identical earlier query (Athena result reuse).
    pub reused: bool,
    /// Age of that earlier result, when known.
    pub reused_age: Option<Duration>,
    /// What the scan cost in US dollars (Athena: billed bytes × `[athena] price_per_tb_usd`); `None` where free.
    pub cost_usd: Option<f64>,
    /// The query gave no lower `event_time` bound and was held to this many days back (Athena
    /// `[athena] max_lookback_days`, see [`Lookback`]); the answer says so. (`u16` keeps the stats small.)
    pub lookback_days: Option<u16>,
    /// Rows the query matches in all, when the listing filled its LIMIT and was counted ([`crate::pipeline::total`]):
    /// tables say "showing 200 of 540 rows".
    pub matched_total: Option<u64>,
}

/// How far back a query without a lower `event_time` bound searches: `days` before today, from UTC midnight
/// `from` (a whole day, so the SQL text and Athena's result reuse stay the same all day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lookback {
    /// Days searched back from today.
    pub days: u32,
    /// Earliest event time searched (UTC midnight, inclusive).
    pub from: chrono::NaiveDateTime,
}

impl Lookback {
    /// `days` back from the UTC day of `now`: from midnight `days` days before today.
    pub fn before(now: DateTime<Utc>, days: u32) -> Self {
        let today = now.date_naive().and_hms_opt(0, 0, 0).expect("midnight exists");
        Self { days, from: today - chrono::Duration::days(i64::from(days)) }
    }
}

/// Rows returned by an engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryResult {
    /// Columns in order.
    pub columns: Vec<ColumnMeta>,
    /// Rows, at most the requested row cap.
    pub rows: Vec<Vec<Value>>,
    /// True when the engine had more rows than the cap.
    pub truncated: bool,
    /// Statistics.
    pub stats: QueryStats,
}

/// Per-call execution options.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Rows kept; more rows set [`QueryResult::truncated`].
    pub row_cap: usize,
    /// Abandon (and cancel engine-side) after this long.
    pub timeout: Duration,
    /// Cancelled when the asker gives up or the app shuts down.
    pub cancel: CancellationToken,
    /// An identical query's stored result may answer (Athena result reuse, up to `[athena] result_reuse_minutes`
    /// old). The pipeline allows it; ad hoc `asklake sql` and `doctor` do not.
    pub reuse: bool,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self { row_cap: 1000, timeout: Duration::from_secs(120), cancel: CancellationToken::new(), reuse: false }
    }
}

/// Why an engine could not answer.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// The engine rejected or failed the SQL (syntax, unknown column, missing function…). Fed back to the model.
    #[error("query failed: {message}")]
    Query {
        /// Engine message.
        message: String,
    },
    /// The query ran longer than allowed (`[engine] query_timeout_secs` or the question's remaining time) and was
    /// stopped engine-side.
    #[error("query timed out after {0:?}")]
    Timeout(Duration),
    /// The query needed more memory or engine resources than allowed (DuckDB's memory limit, Athena's
    /// "exhausted resources" / `EXCEEDED_*` failures) and was stopped.
    #[error("query exceeded the engine's resource limits: {message}")]
    ResourceLimit {
        /// Engine message.
        message: String,
    },
    /// Every engine slot (`[engine] max_concurrent_queries`) stayed busy for the caller's whole remaining time.
    #[error("all {slots} engine slots stayed busy")]
    Busy {
        /// Configured slots.
        slots: usize,
    },
    /// The asker or the app cancelled the query.
    #[error("query cancelled")]
    Cancelled,
    /// The query would scan more than the configured cap.
    #[error("query scanned {scanned} bytes, over the cap of {cap} bytes")]
    ScanLimit {
        /// Bytes scanned (or estimated).
        scanned: u64,
        /// Configured cap.
        cap: u64,
    },
    /// Credentials lack permission (Athena, Glue, S3, Lake Formation).
    #[error("access denied: {message}")]
    AccessDenied {
        /// Service message.
        message: String,
    },
    /// The data source is missing or unreadable (no lake file, empty folder, corrupt file).
    #[error("data source problem: {message}")]
    Source {
        /// What is wrong and what to do.
        message: String,
    },
    /// The engine itself failed (throttling, service error, internal).
    #[error("engine unavailable: {message}")]
    Unavailable {
        /// Cause.
        message: String,
    },
}

impl EngineError {
    /// Whether a regenerated query could fix this (it is about the SQL, not the environment).
    pub fn is_fixable_by_sql(&self) -> bool {
        matches!(self, EngineError::Query { .. } | EngineError::ScanLimit { .. })
    }

    /// Whether the engine stopped a runaway query (too slow or too big). A narrower query may fit, so the
    /// pipeline feeds this back to the model once; a second one ends the question.
    pub fn is_runaway(&self) -> bool {
        matches!(self, EngineError::Timeout(_) | EngineError::ResourceLimit { .. })
    }

    /// Text safe to show in Slack, in English (the CLI's language): says what happened and what to do next.
    pub fn user_message(&self) -> String {
        self.user_message_in(Language::En)
    }

    /// Text safe to show in Slack, in the asker's language: says what happened and what to do next.
    pub fn user_message_in(&self, language: Language) -> String {
        let ko = language == Language::Ko;
        match self {
            EngineError::Query { .. } if ko => "쿼리를 엔진에서 실행하지 못했습니다. 질문을 바꿔서 다시 물어봐 주세요.".into(),
            EngineError::Query { .. } => "The query could not run on the engine. Try rephrasing the question.".into(),
            EngineError::Timeout(d) if ko => format!(
                "쿼리가 {}초 넘게 실행되어 중단했습니다. 기간을 좁히거나(예: 최근 1일) 계정이나 이벤트 이름 같은 조건을 더해서 다시 물어봐 주세요.",
                seconds(*d)
            ),
            EngineError::Timeout(d) => format!(
                "The query took longer than {} s and was stopped. Narrow the time window (for example the last day) or add filters such as an account or event name, then ask again.",
                seconds(*d)
            ),
            EngineError::ResourceLimit { .. } if ko => "쿼리에 허용된 것보다 많은 메모리가 필요해서 중단했습니다. 기간을 좁히거나, 모든 행 대신 건수(집계)를 물어봐 주세요.".into(),
            EngineError::ResourceLimit { .. } => "The query needed more memory than asklake allows and was stopped. Narrow the time window, or ask for counts instead of every row.".into(),
            EngineError::Busy { slots } if ko => format!(
                "쿼리 엔진이 다른 질문들을 처리하고 있습니다(동시에 {slots}개까지). 잠시 후 다시 물어봐 주세요."
            ),
            EngineError::Busy { slots } => format!(
                "The query engine is busy with other questions ({slots} at a time). Try again in a minute."
            ),
            EngineError::Cancelled if ko => "쿼리가 취소되었습니다.".into(),
            EngineError::Cancelled => "The query was cancelled.".into(),
            EngineError::ScanLimit { cap, .. } if ko => format!(
                "쿼리가 {}보다 많은 데이터를 읽게 되어 중단했습니다. 기간을 좁히거나 조건을 더해 주세요.",
                human_bytes(*cap)
            ),
            EngineError::ScanLimit { cap, .. } => format!(
                "The query would scan more than {} and was stopped. Narrow the time window or add filters.",
                human_bytes(*cap)
            ),
            EngineError::AccessDenied { .. } if ko => "asklake에 보안 레이크를 읽을 권한이 없습니다. 관리자에게 IAM/Lake Formation 권한을 확인해 달라고 요청해 주세요.".into(),
            EngineError::AccessDenied { .. } => {
                "asklake is not allowed to read the security lake. Ask an admin to check its IAM/Lake Formation permissions.".into()
            }
            EngineError::Source { message } if ko => format!("데이터 소스가 준비되지 않았습니다: {message}"),
            EngineError::Source { message } => format!("The data source is not ready: {message}"),
            EngineError::Unavailable { .. } if ko => "지금은 쿼리 엔진을 쓸 수 없습니다. 잠시 후 다시 시도해 주세요.".into(),
            EngineError::Unavailable { .. } => "The query engine is unavailable right now. Try again in a minute.".into(),
        }
    }
}

/// Whole seconds when the duration is whole, else one decimal (`60`, `0.2`).
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 { d.as_secs().to_string() } else { format!("{:.1}", d.as_secs_f64()) }
}

/// Formats a byte count as `1.2 GB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// An engine that runs validated SQL over one binding of the logical tables.
#[async_trait::async_trait]
pub trait SqlEngine: Send + Sync {
    /// Short name for messages ("DuckDB", "Athena").
    fn name(&self) -> &'static str;
    /// The dialect notes the prompt should carry.
    fn dialect(&self) -> Dialect;
    /// The source the logical tables are bound to.
    fn binding(&self) -> &Binding;
    /// Checks the SQL without running it (Athena `EXPLAIN`; DuckDB prepares it).
    async fn dry_run(&self, sql: &ValidatedSql) -> Result<(), EngineError>;
    /// Whether a dry run before model SQL saves more than it costs on this engine (see [`athena`] for why
    /// Athena says no). Verified queries are never dry-run.
    fn dry_run_pays(&self) -> bool {
        true
    }
    /// The look-back a query with no lower `event_time` bound is held to, as a partition predicate (Athena:
    /// `[athena] max_lookback_days`); `None` leaves such queries as they are (the DuckDB sample lake).
    fn lookback(&self) -> Option<Lookback> {
        None
    }
    /// Runs the SQL.
    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError>;
}

/// Builds the configured engine under the `[engine]` limits.
///
/// # Errors
/// When DuckDB cannot be opened or locked down (startup fails closed: `serve`, `ask` and `sql` refuse to run).
pub fn from_config(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<dyn SqlEngine>> {
    from_config_at(config, None)
}

/// Like [`from_config`] with a frozen "now" (`--now`): on DuckDB `current_timestamp`, `now()` and
/// `current_date` answer it. Athena has no such switch: there the prompt's explicit UTC bounds, computed from
/// the pinned time, are what make a run reproducible (SQL that still says `current_timestamp` uses Athena's clock).
pub fn from_config_at(
    config: &crate::config::Config,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<std::sync::Arc<dyn SqlEngine>> {
    use anyhow::Context as _;
    match config.engine.kind {
        crate::config::EngineKind::Duckdb => {
            let engine = duckdb::DuckDbEngine::from_config(&config.duckdb)
                .context("could not open the DuckDB engine")?
                .with_pinned_now(now)
                .with_limits(limits::QueryLimits::from_config(&config.engine));
            Ok(std::sync::Arc::new(engine))
        }
        crate::config::EngineKind::Athena => Ok(athena_from_config(config)),
    }
}

/// Builds the Athena engine from `[aws]` and `[athena]`.
fn athena_from_config(config: &crate::config::Config) -> std::sync::Arc<dyn SqlEngine> {
    std::sync::Arc::new(athena::AthenaEngine::from_config(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_200_000_000), "1.2 GB");
    }

    #[test]
    fn only_sql_errors_are_fixable_by_regeneration() {
        assert!(EngineError::Query { message: "x".into() }.is_fixable_by_sql());
        assert!(!EngineError::AccessDenied { message: "x".into() }.is_fixable_by_sql());
        assert!(!EngineError::Timeout(Duration::from_secs(60)).is_fixable_by_sql());
        assert!(EngineError::Timeout(Duration::from_secs(60)).is_runaway());
        assert!(EngineError::ResourceLimit { message: "x".into() }.is_runaway());
    }

    #[test]
    fn a_timeout_says_how_long_and_to_narrow_the_window_in_both_languages() {
        let err = EngineError::Timeout(Duration::from_secs(60));
        let en = err.user_message_in(Language::En);
        assert!(en.contains("longer than 60 s") && en.contains("Narrow the time window"), "{en}");
        let ko = err.user_message_in(Language::Ko);
        assert!(ko.contains("60초") && ko.contains("기간을 좁히"), "{ko}");
        assert!(EngineError::Timeout(Duration::from_millis(200)).user_message().contains("0.2 s"));
    }
}
