//! Athena query result reuse and the cost of a scan.
//!
//! Result reuse (`ResultReuseConfiguration.ResultReuseByAgeConfiguration` on `StartQueryExecution`) lets Athena
//! answer an identical query (same text, same workgroup) from a stored result up to a maximum age, scanning
//! nothing; `GetQueryExecution` then reports `Statistics.ResultReuseInformation.ReusedPreviousResult`
//! (Athena user guide, "Reuse query results in Athena"). Athena does not report the age of the reused result,
//! so the engine remembers when it last ran each query fresh; a reuse it did not see (another instance, a
//! restart) has no known age.
//!
//! Cost, with per-query billing of SQL queries:
//! - each query is billed for the bytes it scanned, rounded up to the nearest megabyte, with a 10 MB minimum
//!   per query, at a price per terabyte ($5.00 in most Regions; `[athena] price_per_tb_usd`) — Amazon Athena
//!   pricing, <https://aws.amazon.com/athena/pricing/>, "SQL queries: per query billing";
//! - failed queries are not billed, and a cancelled query is billed for what it scanned until it was cancelled —
//!   Amazon Athena FAQ, <https://aws.amazon.com/athena/faqs/>, "Does Athena charge me for failed queries?" and
//!   "Does Athena charge me for canceled queries?";
//! - a reused result runs nothing and scans nothing — Athena user guide, "Reuse query results in Athena",
//!   <https://docs.aws.amazon.com/athena/latest/ug/reusing-query-results.html>.
//!
//! Within one process the engine goes one step further: it keeps the last few results it ran fresh and answers an
//! identical query (same text, same row cap) from them while they are younger than the max age, with no call to
//! Athena at all. Athena's own reuse still serves what this process did not run (another instance, a restart).
//!
//! `/work/shared/reference` holds no Athena pricing text; the FAQ answers were read from a copy of the FAQ page
//! and the billing unit from summaries of the pricing page (December 2026), not from the live pages.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use aws_sdk_athena::types::{ResultReuseByAgeConfiguration, ResultReuseConfiguration};

use crate::engines::{QueryResult, QueryStats};

/// Queries remembered for the age of a reused result; the oldest are forgotten past this.
const REMEMBERED: usize = 1024;
/// Results kept in memory for answering again without Athena; the oldest are dropped past this.
const KEPT: usize = 32;
/// One megabyte, Athena's billing unit.
const MB: u64 = 1_000_000;
/// Athena's minimum billed scan per query.
const MIN_BILLED: u64 = 10 * MB;
/// One terabyte (decimal, as the price is quoted).
const TB: f64 = 1e12;

/// Where "now" comes from (tests move it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Whether and how long Athena may reuse results, and when this process last ran each query fresh.
pub struct ReusePolicy {
    max_age_minutes: u64,
    fresh: Mutex<HashMap<String, DateTime<Utc>>>,
    kept: Mutex<VecDeque<Kept>>,
    clock: Clock,
}

/// A result this process ran fresh, for the same query asked again.
struct Kept {
    sql: String,
    row_cap: usize,
    at: DateTime<Utc>,
    result: QueryResult,
}

impl std::fmt::Debug for ReusePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReusePolicy").field("max_age_minutes", &self.max_age_minutes).finish_non_exhaustive()
    }
}

impl ReusePolicy {
    /// Reuse results up to `max_age_minutes` old; 0 turns reuse off.
    pub fn new(max_age_minutes: u64) -> Self {
        Self { max_age_minutes, fresh: Mutex::default(), kept: Mutex::default(), clock: Arc::new(Utc::now) }
    }

    /// The same policy reading time from `clock`.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// The `ResultReuseConfiguration` to send, or `None` when reuse is off or not wanted for this query.
    pub fn configuration(&self, wanted: bool) -> Option<ResultReuseConfiguration> {
        if !wanted || self.max_age_minutes == 0 {
            return None;
        }
        let minutes = i32::try_from(self.max_age_minutes).unwrap_or(i32::MAX);
        let by_age = ResultReuseByAgeConfiguration::builder().enabled(true).max_age_in_minutes(minutes).build();
        Some(ResultReuseConfiguration::builder().result_reuse_by_age_configuration(by_age).build())
    }

    /// The policy's "now" (the engine's clock).
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Notes that `sql` just ran fresh (scanned the lake).
    pub fn ran_fresh(&self, sql: &str) {
        let mut fresh = self.fresh.lock().unwrap_or_else(|p| p.into_inner());
        if fresh.len() >= REMEMBERED
            && let Some(oldest) = fresh.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone())
        {
            fresh.remove(&oldest);
        }
        fresh.insert(sql.to_owned(), (self.clock)());
    }

    /// Keeps `result`, which `sql` just returned fresh with `row_cap`, to answer the same query again (reuse on).
    pub fn keep(&self, sql: &str, row_cap: usize, result: &QueryResult) {
        if self.max_age_minutes == 0 {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|k| k.sql != sql || k.row_cap != row_cap);
        if kept.len() >= KEPT {
            kept.pop_front();
        }
        kept.push_back(Kept { sql: sql.to_owned(), row_cap, at: (self.clock)(), result: result.clone() });
    }

    /// The kept result of `sql` with `row_cap`, if younger than the max age: the same rows, marked reused, with
    /// its age, no bytes scanned and no cost.
    pub fn kept(&self, sql: &str, row_cap: usize) -> Option<QueryResult> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let k = kept.iter().find(|k| k.sql == sql && k.row_cap == row_cap)?;
        let age = ((self.clock)() - k.at).to_std().unwrap_or_default();
        if age > Duration::from_secs(self.max_age_minutes * 60) {
            return None;
        }
        let stats = QueryStats {
            bytes_scanned: Some(0),
            engine_query_id: k.result.stats.engine_query_id.clone(),
            reused: true,
            reused_age: Some(age),
            cost_usd: Some(0.0),
            ..QueryStats::default()
        };
        Some(QueryResult { stats, ..k.result.clone() })
    }

    /// How old the result Athena reused for `sql` is, if this process ran it fresh within the max age.
    pub fn age(&self, sql: &str) -> Option<Duration> {
        let ran = *self.fresh.lock().unwrap_or_else(|p| p.into_inner()).get(sql)?;
        let age = ((self.clock)() - ran).to_std().unwrap_or_default();
        (age <= Duration::from_secs(self.max_age_minutes * 60)).then_some(age)
    }
}

/// What Athena bills for a successful query that scanned `bytes` (a reused result scans and bills nothing).
pub fn cost_usd(bytes: u64, reused: bool, price_per_tb_usd: f64) -> f64 {
    if reused {
        return 0.0;
    }
    let billed = bytes.div_ceil(MB).saturating_mul(MB).max(MIN_BILLED);
    billed as f64 / TB * price_per_tb_usd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_to_the_megabyte_with_a_ten_megabyte_minimum_and_reuse_is_free() {
        assert!((cost_usd(1, false, 5.0) - 10.0 * 1e6 / 1e12 * 5.0).abs() < 1e-12);
        assert!((cost_usd(2_000_000_000_001, false, 5.0) - 2.000001 * 5.0).abs() < 1e-9);
        assert_eq!(cost_usd(5_000_000_000, true, 5.0), 0.0);
    }

    #[test]
    fn reuse_is_sent_only_when_wanted_and_configured_and_ages_come_from_fresh_runs() {
        assert!(ReusePolicy::new(0).configuration(true).is_none());
        let p = ReusePolicy::new(15);
        assert!(p.configuration(false).is_none());
        let c = p.configuration(true).unwrap();
        let by_age = c.result_reuse_by_age_configuration().unwrap();
        assert!(by_age.enabled() && by_age.max_age_in_minutes() == Some(15));
        assert_eq!(p.age("SELECT 1"), None);
        p.ran_fresh("SELECT 1");
        assert!(p.age("SELECT 1").unwrap() < Duration::from_secs(5));
    }

    #[test]
    fn a_kept_result_answers_the_same_query_and_row_cap_until_the_max_age_and_never_with_reuse_off() {
        let now = Arc::new(Mutex::new(Utc::now()));
        let clock = {
            let now = Arc::clone(&now);
            Arc::new(move || *now.lock().unwrap()) as Clock
        };
        let fresh = QueryResult {
            rows: vec![vec![crate::engines::Value::Int(7)]],
            stats: QueryStats { bytes_scanned: Some(4096), cost_usd: Some(0.1), ..QueryStats::default() },
            ..QueryResult::default()
        };
        let p = ReusePolicy::new(15).with_clock(Arc::clone(&clock));
        p.keep("SELECT 7", 200, &fresh);
        *now.lock().unwrap() += chrono::Duration::minutes(3);
        let again = p.kept("SELECT 7", 200).expect("kept for 15 minutes");
        assert_eq!(again.rows, fresh.rows);
        assert!(again.stats.reused && again.stats.bytes_scanned == Some(0) && again.stats.cost_usd == Some(0.0));
        assert_eq!(again.stats.reused_age, Some(Duration::from_secs(180)));
        assert!(p.kept("SELECT 7", 100).is_none(), "another row cap is another query");
        assert!(p.kept("SELECT 8", 200).is_none());
        *now.lock().unwrap() += chrono::Duration::minutes(13);
        assert!(p.kept("SELECT 7", 200).is_none(), "older than the max age");

        let off = ReusePolicy::new(0).with_clock(clock);
        off.keep("SELECT 7", 200, &fresh);
        assert!(off.kept("SELECT 7", 200).is_none());
    }
}
