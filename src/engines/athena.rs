//! Amazon Athena adapter: EXPLAIN dry run, start, poll with backoff, page results, cancel, scan cap, restarts.
//!
//! Polling schedule: the first status check comes 200 ms after the start, each later wait is 1.5× the previous
//! one, capped at 2 s (200, 300, 450, 675 ms, 1.0, 1.5, 2, 2, … s). Every query holds one of the engine's
//! slots ([`QueryLimits`]) and is bounded by the smallest of `[engine] query_timeout_secs`,
//! `[athena] query_timeout_secs` (when set) and the caller's time; on timeout or cancel it is stopped
//! engine-side with `StopQueryExecution`. While polling, bytes scanned so far are checked against
//! `[athena] scan_limit_bytes` and the query is stopped when it goes over. A failure is classified from
//! `Status.AthenaError` and the Trino error code ([`classify`]); a retryable one is started again, at most
//! [`RestartPolicy::max_restarts`] times with doubling backoff, within the same time bound.
//!
//! One round trip per answer: the pipeline does not dry-run SQL on Athena ([`SqlEngine::dry_run_pays`] is
//! false). An `EXPLAIN` costs a full round trip (queueing, planning, polling: about a second) on every attempt,
//! and what it catches (names, types, functions) fails the real query at planning just as fast, before any
//! scan; and a failed query costs nothing (Amazon Athena FAQ, <https://aws.amazon.com/athena/faqs/>, "Does Athena
//! charge me for failed queries?": not with per-query pricing; a cancelled one is billed for what it scanned; see
//! [`reuse`] for the billing unit). `benches/athena.rs` measures it: an `EXPLAIN` first adds one round trip
//! (+0.96 s) to every model answer, whether its SQL is good or bad, and saves no bytes. An identical query is
//! answered from a result this process kept (no Athena call) or from Athena's stored result, up to the reuse age
//! ([`reuse`]); the cost of each scan is reported.

mod classify;
mod convert;
mod reuse;
mod schedule;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_athena::Client;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use self::classify::map_sdk_error;
pub use self::classify::{Failure, FailureFacts, classify, is_missing_entity, trino_code};
pub use self::convert::{column_type, parse_value};
pub use self::reuse::{Clock, ReusePolicy, cost_usd};
pub use self::schedule::{PollSchedule, RestartPolicy};
use super::limits::QueryLimits;
use super::{ColumnMeta, Dialect, EngineError, ExecOptions, Lookback, QueryResult, QueryStats, SqlEngine, Value};
use crate::catalog::Binding;
use crate::config::Config;
use crate::pipeline::validate::ValidatedSql;

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
    limits: QueryLimits,
    poll: PollSchedule,
    restarts: RestartPolicy,
    reuse: Arc<ReusePolicy>,
    reuse_minutes: u64,
    price_per_tb_usd: f64,
    max_lookback_days: u32,
}

/// How a query ended well: its id, bytes scanned, and whether Athena reused a stored result.
struct Finished {
    id: String,
    bytes: u64,
    reused: bool,
}

impl AthenaEngine {
    /// Builds the engine from `[aws]`, `[athena]` and `[engine]`.
    /// The credential chain is resolved on the first query.
    pub fn from_config(config: &Config) -> Self {
        Self::from_sdk_config(&crate::llm::aws::sdk_config_lazy(&config.aws, ""), config)
    }

    /// Builds the engine from a loaded SDK config (tests pass static credentials and a local endpoint).
    pub fn from_sdk_config(sdk: &SdkConfig, config: &Config) -> Self {
        let mut limits = QueryLimits::from_config(&config.engine);
        if config.athena.query_timeout_secs > 0 {
            let athena_cap = Duration::from_secs(config.athena.query_timeout_secs);
            limits = limits.clone().with_query_timeout(limits.query_timeout().min(athena_cap));
        }
        Self {
            client: Client::new(sdk),
            workgroup: config.athena.workgroup.clone(),
            output_location: config.athena.output_location.clone(),
            catalog: config.athena.catalog.clone(),
            database: config.athena_database(),
            binding: Binding::AthenaSecurityLake {
                database: config.athena_database(),
                lake_region: config.lake_region(),
                source_version: config.athena.source_version,
            },
            scan_limit_bytes: config.athena.scan_limit_bytes,
            limits,
            poll: PollSchedule::default(),
            restarts: RestartPolicy::default(),
            reuse: Arc::new(ReusePolicy::new(config.athena.result_reuse_minutes)),
            reuse_minutes: config.athena.result_reuse_minutes,
            price_per_tb_usd: config.athena.price_per_tb_usd,
            max_lookback_days: config.athena.max_lookback_days,
        }
    }

    /// Replaces the polling schedule (tests use a fast one).
    pub fn with_poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
        self
    }

    /// Reads "now" from `clock` for the age of reused results and the look-back (tests move it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        let minutes = self.reuse_minutes;
        self.reuse = Arc::new(ReusePolicy::new(minutes).with_clock(clock));
        self
    }

    /// Replaces the restart policy for retryable failures (tests use a short backoff).
    pub fn with_restart_policy(mut self, restarts: RestartPolicy) -> Self {
        self.restarts = restarts;
        self
    }

    /// The limits queries run under.
    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// Runs raw SQL and returns its rows. [`SqlEngine::execute`] calls this with validated SQL.
    pub async fn run_sql(&self, sql: &str, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        if opts.reuse
            && let Some(kept) = self.reuse.kept(sql, opts.row_cap)
        {
            tracing::info!(query_id = ?kept.stats.engine_query_id, rows = kept.rows.len(), "answered from a kept result");
            return Ok(kept);
        }
        let _slot = self.limits.admit(&opts.cancel, opts.timeout).await?;
        let started = Instant::now();
        let Finished { id, bytes, reused } = self.run_to_end(sql, opts, opts.reuse).await?;
        let reused_age = if reused { self.reuse.age(sql) } else { None };
        if !reused {
            self.reuse.ran_fresh(sql);
        }
        let (columns, rows, truncated) =
            self.fetch(&id, opts.row_cap).instrument(tracing::info_span!("athena.fetch", query_id = %id)).await?;
        tracing::info!(query_id = %id, rows = rows.len(), bytes_scanned = bytes, reused, "athena query succeeded");
        let stats = QueryStats {
            bytes_scanned: Some(bytes),
            elapsed: started.elapsed(),
            engine_query_id: Some(id),
            reused,
            reused_age,
            cost_usd: Some(cost_usd(bytes, reused, self.price_per_tb_usd)),
            lookback_days: None,
            matched_total: None,
        };
        let result = QueryResult { columns, rows, truncated, stats };
        if opts.reuse && !reused {
            self.reuse.keep(sql, opts.row_cap, &result);
        }
        Ok(result)
    }

    /// Runs `EXPLAIN <sql>` and waits for it: checks names, types and functions without scanning data.
    pub async fn explain(&self, sql: &str, opts: &ExecOptions) -> Result<(), EngineError> {
        let _slot = self.limits.admit(&opts.cancel, opts.timeout).await?;
        self.run_to_end(&format!("EXPLAIN {sql}"), opts, false).await.map(drop)
    }

    /// Starts `sql` and waits for it to succeed, starting it again after retryable failures.
    async fn run_to_end(&self, sql: &str, opts: &ExecOptions, reuse: bool) -> Result<Finished, EngineError> {
        let timeout = self.limits.timeout_for(opts.timeout);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut restarts = 0;
        loop {
            let id = self.start(sql, reuse).await?;
            let span = tracing::info_span!("athena.query", query_id = %id, restarts);
            let failure = match self.wait(&id, &opts.cancel, deadline, timeout).instrument(span).await {
                Ok((bytes, reused)) => return Ok(Finished { id, bytes, reused }),
                Err(f) if f.retryable && restarts < self.restarts.max_restarts => f,
                Err(f) => return Err(f.error),
            };
            let backoff = self.restarts.backoff * 2u32.pow(restarts);
            restarts += 1;
            tracing::warn!(query_id = %id, restarts, error = %failure.error, "athena query failed for a passing reason; starting it again");
            tokio::select! {
                _ = opts.cancel.cancelled() => return Err(EngineError::Cancelled),
                _ = tokio::time::sleep_until(deadline) => return Err(EngineError::Timeout(timeout)),
                _ = tokio::time::sleep(backoff) => {}
            }
        }
    }

    async fn start(&self, sql: &str, reuse: bool) -> Result<String, EngineError> {
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
            .set_result_reuse_configuration(self.reuse.configuration(reuse))
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

    /// Polls until the query ends; returns the bytes scanned and whether a stored result was reused.
    async fn wait(
        &self,
        id: &str,
        cancel: &CancellationToken,
        deadline: tokio::time::Instant,
        timeout: Duration,
    ) -> Result<(u64, bool), Failure> {
        let mut delay = self.poll.initial;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => {
                    self.stop(id).await;
                    return Err(EngineError::Cancelled.into());
                }
                _ = tokio::time::sleep_until(deadline) => {
                    self.stop(id).await;
                    return Err(EngineError::Timeout(timeout).into());
                }
                _ = tokio::time::sleep(delay) => {}
            }
            delay = self.poll.next(delay);
            let out = self.client.get_query_execution().query_execution_id(id).send().await.map_err(map_sdk_error)?;
            let Some(qe) = out.query_execution() else { continue };
            let bytes = qe.statistics().and_then(|s| s.data_scanned_in_bytes()).unwrap_or(0).max(0) as u64;
            let reused =
                qe.statistics().and_then(|s| s.result_reuse_information()).is_some_and(|r| r.reused_previous_result());
            let status = qe.status();
            let state = status.and_then(|s| s.state()).cloned().unwrap_or(QueryExecutionState::Queued);
            match state {
                QueryExecutionState::Succeeded => return Ok((bytes, reused)),
                QueryExecutionState::Failed => {
                    let reason =
                        status.and_then(|s| s.state_change_reason()).unwrap_or("query failed without a reason");
                    let facts = FailureFacts::new(reason, status.and_then(|s| s.athena_error()));
                    tracing::info!(?facts, "athena query failed");
                    return Err(classify(facts));
                }
                QueryExecutionState::Cancelled => return Err(EngineError::Cancelled.into()),
                _ if self.scan_limit_bytes > 0 && bytes > self.scan_limit_bytes => {
                    self.stop(id).await;
                    return Err(EngineError::ScanLimit { scanned: bytes, cap: self.scan_limit_bytes }.into());
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
                rows.push(convert::convert_row(row, &columns));
            }
            match out.next_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        Ok((columns, rows, false))
    }
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

    /// No: see the module documentation (an `EXPLAIN` round trip buys nothing a failed run would not tell as
    /// fast, and failed runs are free).
    fn dry_run_pays(&self) -> bool {
        false
    }

    /// `[athena] max_lookback_days` before today: without it an unbounded query reads every partition.
    fn lookback(&self) -> Option<Lookback> {
        (self.max_lookback_days > 0).then(|| Lookback::before(self.reuse.now(), self.max_lookback_days))
    }

    async fn dry_run(&self, sql: &ValidatedSql) -> Result<(), EngineError> {
        let opts = ExecOptions { timeout: self.limits.query_timeout(), ..ExecOptions::default() };
        self.explain(sql.executable(), &opts).await
    }

    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        self.run_sql(sql.executable(), opts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_timeout_is_the_smaller_of_the_engine_and_athena_caps() {
        let sdk = SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let mut config = Config::default();
        assert_eq!(AthenaEngine::from_sdk_config(&sdk, &config).limits().query_timeout(), Duration::from_secs(60));
        config.athena.query_timeout_secs = 10;
        assert_eq!(AthenaEngine::from_sdk_config(&sdk, &config).limits().query_timeout(), Duration::from_secs(10));
        config.athena.query_timeout_secs = 600;
        assert_eq!(AthenaEngine::from_sdk_config(&sdk, &config).limits().query_timeout(), Duration::from_secs(60));
    }
}
