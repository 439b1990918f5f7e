//! Amazon Athena adapter: EXPLAIN dry run, start, poll with backoff, page results, cancel, scan cap.
//!
//! Polling schedule: the first status check comes 200 ms after the start, each later wait is 1.5× the previous
//! one, capped at 2 s (200, 300, 450, 675 ms, 1.0, 1.5, 2, 2, … s). The whole query is bounded by the smaller
//! of `[athena] query_timeout_secs` and the caller's timeout; on timeout or cancel the query is stopped
//! engine-side with `StopQueryExecution`. While polling, bytes scanned so far are checked against
//! `[athena] scan_limit_bytes` and the query is stopped when it goes over.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_athena::Client;
use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration, Row};
use chrono::{NaiveDate, NaiveDateTime};
use tracing::Instrument;

use super::{ColumnMeta, ColumnType, Dialect, EngineError, ExecOptions, QueryResult, QueryStats, SqlEngine, Value};
use crate::catalog::Binding;
use crate::config::Config;
use crate::pipeline::validate::ValidatedSql;

/// Backoff between status checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    /// First wait.
    pub initial: Duration,
    /// Growth factor per wait.
    pub factor: f64,
    /// Longest wait.
    pub max: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self { initial: Duration::from_millis(200), factor: 1.5, max: Duration::from_secs(2) }
    }
}

impl PollSchedule {
    fn next(&self, current: Duration) -> Duration {
        current.mul_f64(self.factor).min(self.max)
    }
}

/// Rows per `GetQueryResults` page (Athena's maximum).
const PAGE_SIZE: i32 = 1000;
/// Time allowed for the best-effort `StopQueryExecution`.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Athena engine over the Security Lake tables.
#[derive(Debug, Clone)]
pub struct AthenaEngine {
    client: Client,
    workgroup: String,
    output_location: String,
    catalog: String,
    database: String,
    binding: Binding,
    scan_limit_bytes: u64,
    query_timeout: Duration,
    poll: PollSchedule,
}

impl AthenaEngine {
    /// Builds the engine from `[aws]` and `[athena]`.
    /// The credential chain is resolved on the first query.
    pub fn from_config(config: &Config) -> Self {
        Self::from_sdk_config(&crate::llm::aws::sdk_config_lazy(&config.aws, ""), config)
    }

    /// Builds the engine from a loaded SDK config (tests pass static credentials and a local endpoint).
    pub fn from_sdk_config(sdk: &SdkConfig, config: &Config) -> Self {
        Self {
            client: Client::new(sdk),
            workgroup: config.athena.workgroup.clone(),
            output_location: config.athena.output_location.clone(),
            catalog: config.athena.catalog.clone(),
            database: config.athena_database(),
            binding: Binding::AthenaSecurityLake {
                database: config.athena_database(),
                lake_region: config.lake_region(),
            },
            scan_limit_bytes: config.athena.scan_limit_bytes,
            query_timeout: Duration::from_secs(config.athena.query_timeout_secs.max(1)),
            poll: PollSchedule::default(),
        }
    }

    /// Replaces the polling schedule (tests use a fast one).
    pub fn with_poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
        self
    }

    /// Runs raw SQL and returns its rows. [`SqlEngine::execute`] calls this with validated SQL.
    pub async fn run_sql(&self, sql: &str, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        let started = Instant::now();
        let id = self.start(sql).await?;
        let span = tracing::info_span!("athena.query", query_id = %id);
        async {
            let bytes = self.wait(&id, opts).await?;
            let (columns, rows, truncated) = self.fetch(&id, opts.row_cap).await?;
            tracing::info!(rows = rows.len(), bytes_scanned = bytes, "athena query succeeded");
            let stats = QueryStats {
                bytes_scanned: Some(bytes),
                elapsed: started.elapsed(),
                engine_query_id: Some(id.clone()),
            };
            Ok::<_, EngineError>(QueryResult { columns, rows, truncated, stats })
        }
        .instrument(span)
        .await
    }

    /// Runs `EXPLAIN <sql>` and waits for it: checks names, types and functions without scanning data.
    pub async fn explain(&self, sql: &str, opts: &ExecOptions) -> Result<(), EngineError> {
        let id = self.start(&format!("EXPLAIN {sql}")).await?;
        self.wait(&id, opts).instrument(tracing::info_span!("athena.explain", query_id = %id)).await.map(|_| ())
    }

    async fn start(&self, sql: &str) -> Result<String, EngineError> {
        let mut context = QueryExecutionContext::builder().database(&self.database);
        if !self.catalog.is_empty() {
            context = context.catalog(&self.catalog);
        }
        let mut call = self
            .client
            .start_query_execution()
            .query_string(sql)
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .query_execution_context(context.build())
            .work_group(&self.workgroup);
        if !self.output_location.is_empty() {
            call = call
                .result_configuration(ResultConfiguration::builder().output_location(&self.output_location).build());
        }
        let out = call.send().instrument(tracing::info_span!("athena.start")).await.map_err(map_sdk_error)?;
        out.query_execution_id()
            .map(str::to_owned)
            .ok_or_else(|| EngineError::Unavailable { message: "Athena returned no QueryExecutionId".into() })
    }

    /// Polls until the query ends; returns the bytes scanned.
    async fn wait(&self, id: &str, opts: &ExecOptions) -> Result<u64, EngineError> {
        let timeout = self.query_timeout.min(opts.timeout);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut delay = self.poll.initial;
        loop {
            tokio::select! {
                _ = opts.cancel.cancelled() => {
                    self.stop(id).await;
                    return Err(EngineError::Cancelled);
                }
                _ = tokio::time::sleep_until(deadline) => {
                    self.stop(id).await;
                    return Err(EngineError::Timeout(timeout));
                }
                _ = tokio::time::sleep(delay) => {}
            }
            delay = self.poll.next(delay);
            let out = self.client.get_query_execution().query_execution_id(id).send().await.map_err(map_sdk_error)?;
            let Some(qe) = out.query_execution() else { continue };
            let bytes = qe.statistics().and_then(|s| s.data_scanned_in_bytes()).unwrap_or(0).max(0) as u64;
            let status = qe.status();
            let state = status.and_then(|s| s.state()).cloned().unwrap_or(QueryExecutionState::Queued);
            match state {
                QueryExecutionState::Succeeded => return Ok(bytes),
                QueryExecutionState::Failed => {
                    let reason =
                        status.and_then(|s| s.state_change_reason()).unwrap_or("query failed without a reason");
                    return Err(failure(reason));
                }
                QueryExecutionState::Cancelled => return Err(EngineError::Cancelled),
                _ if self.scan_limit_bytes > 0 && bytes > self.scan_limit_bytes => {
                    self.stop(id).await;
                    return Err(EngineError::ScanLimit { scanned: bytes, cap: self.scan_limit_bytes });
                }
                _ => tracing::debug!(?state, bytes, "athena query still running"),
            }
        }
    }

    async fn stop(&self, id: &str) {
        let call = self.client.stop_query_execution().query_execution_id(id).send();
        match tokio::time::timeout(STOP_TIMEOUT, call).await {
            Ok(Ok(_)) => tracing::info!(query_id = id, "athena query stopped"),
            Ok(Err(e)) => tracing::warn!(query_id = id, error = %map_sdk_error(e), "could not stop athena query"),
            Err(_) => tracing::warn!(query_id = id, "StopQueryExecution timed out"),
        }
    }

    /// Pages through the results; the first row of the first page is the header row and is skipped.
    async fn fetch(&self, id: &str, row_cap: usize) -> Result<(Vec<ColumnMeta>, Vec<Vec<Value>>, bool), EngineError> {
        let mut columns: Vec<ColumnMeta> = Vec::new();
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut first_page = true;
        loop {
            let out = self
                .client
                .get_query_results()
                .query_execution_id(id)
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_sdk_error)?;
            let Some(set) = out.result_set() else { break };
            if columns.is_empty() {
                columns = set
                    .result_set_metadata()
                    .map(|m| {
                        m.column_info()
                            .iter()
                            .map(|c| ColumnMeta { name: c.name().to_owned(), ty: column_type(c.r#type()) })
                            .collect()
                    })
                    .unwrap_or_default();
            }
            let skip = usize::from(first_page);
            first_page = false;
            for row in set.rows().iter().skip(skip) {
                if rows.len() == row_cap {
                    return Ok((columns, rows, true));
                }
                rows.push(convert_row(row, &columns));
            }
            match out.next_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        Ok((columns, rows, false))
    }
}

/// Reduces an Athena (Trino) type name to a [`ColumnType`].
pub fn column_type(name: &str) -> ColumnType {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "boolean" => ColumnType::Boolean,
        "tinyint" | "smallint" | "integer" | "int" | "bigint" => ColumnType::Integer,
        "real" | "float" | "double" | "decimal" => ColumnType::Float,
        "varchar" | "char" | "string" | "json" | "ipaddress" | "uuid" => ColumnType::Text,
        "timestamp" | "date" | "timestamp with time zone" => ColumnType::Timestamp,
        _ if base.starts_with("timestamp") => ColumnType::Timestamp,
        _ => ColumnType::Other(name.to_owned()),
    }
}

fn convert_row(row: &Row, columns: &[ColumnMeta]) -> Vec<Value> {
    let data = row.data();
    (0..columns.len().max(data.len()))
        .map(|i| {
            let text = data.get(i).and_then(|d| d.var_char_value());
            let ty = columns.get(i).map(|c| &c.ty).unwrap_or(&ColumnType::Text);
            text.map_or(Value::Null, |t| parse_value(t, ty))
        })
        .collect()
}

/// Parses Athena's text rendering of a value; anything unparseable stays text.
pub fn parse_value(text: &str, ty: &ColumnType) -> Value {
    let parsed = match ty {
        ColumnType::Boolean => text.parse().ok().map(Value::Bool),
        ColumnType::Integer => text.parse().ok().map(Value::Int),
        ColumnType::Float => text.parse().ok().map(Value::Float),
        ColumnType::Timestamp => parse_timestamp(text).map(Value::Timestamp),
        ColumnType::Text | ColumnType::Other(_) => None,
    };
    parsed.unwrap_or_else(|| Value::Text(text.to_owned()))
}

fn parse_timestamp(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let trimmed = text.trim().trim_end_matches(" UTC").trim_end_matches('Z');
    let trimmed = trimmed.replacen('T', " ", 1);
    NaiveDateTime::parse_from_str(&trimmed, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&trimmed, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        .map(|n| n.and_utc())
}

/// Maps a FAILED query's `StateChangeReason`.
fn failure(reason: &str) -> EngineError {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("access denied")
        || lower.contains("accessdenied")
        || lower.contains("insufficient permissions")
        || lower.contains("not authorized")
    {
        EngineError::AccessDenied { message: reason.to_owned() }
    } else {
        EngineError::Query { message: reason.to_owned() }
    }
}

/// Maps an API error by its error code.
fn map_sdk_error<E, R>(err: SdkError<E, R>) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(service) = err.as_service_error() {
        let message = service.message().unwrap_or("no message").to_owned();
        return match service.code() {
            Some("AccessDeniedException" | "UnrecognizedClientException" | "InvalidSignatureException") => {
                EngineError::AccessDenied { message }
            }
            Some("TooManyRequestsException" | "ThrottlingException") => {
                EngineError::Unavailable { message: format!("throttled: {message}") }
            }
            Some("InvalidRequestException") if !message.to_ascii_lowercase().contains("workgroup") => {
                EngineError::Query { message }
            }
            code => EngineError::Unavailable { message: format!("{}: {message}", code.unwrap_or("error")) },
        };
    }
    EngineError::Unavailable { message: aws_smithy_types::error::display::DisplayErrorContext(&err).to_string() }
}

#[async_trait::async_trait]
impl SqlEngine for AthenaEngine {
    fn name(&self) -> &'static str {
        "Athena"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Trino
    }

    fn binding(&self) -> &Binding {
        &self.binding
    }

    async fn dry_run(&self, sql: &ValidatedSql) -> Result<(), EngineError> {
        self.explain(sql.executable(), &ExecOptions { timeout: self.query_timeout, ..ExecOptions::default() }).await
    }

    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        self.run_sql(sql.executable(), opts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_schedule_grows_by_half_and_caps_at_two_seconds() {
        let p = PollSchedule::default();
        let mut d = p.initial;
        let mut seen = vec![d];
        for _ in 0..7 {
            d = p.next(d);
            seen.push(d);
        }
        assert_eq!(seen[1], Duration::from_millis(300));
        assert_eq!(seen[2], Duration::from_millis(450));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(2));
    }

    #[test]
    fn athena_type_names_reduce_to_column_types() {
        assert_eq!(column_type("varchar"), ColumnType::Text);
        assert_eq!(column_type("bigint"), ColumnType::Integer);
        assert_eq!(column_type("decimal(10,2)"), ColumnType::Float);
        assert_eq!(column_type("timestamp(3)"), ColumnType::Timestamp);
        assert_eq!(column_type("array(varchar)"), ColumnType::Other("array(varchar)".into()));
    }

    #[test]
    fn athena_text_values_parse_by_type() {
        assert_eq!(parse_value("42", &ColumnType::Integer), Value::Int(42));
        assert_eq!(parse_value("true", &ColumnType::Boolean), Value::Bool(true));
        let ts = parse_value("2026-11-20 03:04:05.123", &ColumnType::Timestamp);
        assert!(matches!(ts, Value::Timestamp(t) if t.timestamp() == 1_795_143_845));
        assert_eq!(parse_value("n/a", &ColumnType::Integer), Value::Text("n/a".into()));
    }

    #[test]
    fn permission_failures_are_access_denied_and_others_are_query_errors() {
        assert!(matches!(failure("Access denied when writing to location: s3://x"), EngineError::AccessDenied { .. }));
        assert!(matches!(
            failure("COLUMN_NOT_FOUND: line 1:8: Column 'foo' cannot be resolved"),
            EngineError::Query { .. }
        ));
    }
}
