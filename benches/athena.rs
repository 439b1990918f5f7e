//! Benchmark: what an asker waits for and pays on Athena (issue 17), per kind of question.
//!
//! The real pipeline and the real `aws-sdk-athena` client, with the production poll schedule (first check after
//! 200 ms, then ×1.5 up to 2 s), run against the fake Athena of the API tests with its latency model
//! ([`Latency::athena_like`]), and against the fake Bedrock with a fixed model latency. Time runs at scale: every
//! second below is a real second. Printed per row: Athena round trips (`StartQueryExecution` calls, and every
//! other Athena call separately), model calls, seconds to answer, the part of it spent outside the model, bytes
//! scanned and their cost at `[athena] price_per_tb_usd` (default $5/TB).
//!
//! Rows: (a) a verified question; (b) the same verified question asked again (Athena result reuse); (c) a model
//! question answered on the first attempt; (d) a model question whose first SQL Athena refuses at analysis
//! (Trino's COLUMN_NOT_FOUND, scripted on the fake: no scan, not billed) and the model then fixes; (e) the same
//! with the first SQL refused by our validator instead (a select-list alias in GROUP BY, which Trino does not
//! resolve). (c) and (d) run twice: as shipped (no dry run on Athena) and with an `EXPLAIN` dry run before every
//! model query, which is the decision this bench defends.
//!
//! Assumptions (stated, not measured on AWS):
//! - Athena: 0.3 s queued, 0.5 s planning (an `EXPLAIN` and a query that fails analysis spend the same and scan
//!   nothing), 1 s per GB scanned; each of the fixture's rows stands for 512 MiB of Parquet, so the one-day query
//!   scans 1.07 GB. With the poll schedule, the floor of one round trip is about a second.
//! - Model (Bedrock Converse, a Claude Sonnet-class model): 3.0 s to write SQL from a ~4.5k-token prompt,
//!   1.5 s to summarise rows.
//!
//! Target: a verified question is one round trip (no scan when reused); a model question answered on the first
//! attempt is one round trip plus model time. Each row is the median of `ROUNDS` runs.
//! Run: `cargo bench --profile dev --config 'profile.dev.package.asklake.opt-level=3' --bench athena`.

#[path = "../tests/api/support"]
#[allow(dead_code)]
mod support {
    pub mod fake_athena;
    pub mod fake_bedrock;
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use asklake::catalog::Binding;
use asklake::engines::athena::AthenaEngine;
use asklake::engines::{Dialect, EngineError, ExecOptions, QueryResult, SqlEngine};
use asklake::library::{Example, Retrieval, Retriever};
use asklake::llm::Llm;
use asklake::pipeline::validate::ValidatedSql;
use asklake::pipeline::{Answer, Asker, NoProgress, Outcome, Pipeline, PipelineParts, Question};
use asklake::templates::Templates;
use chrono::{DateTime, TimeZone, Utc};
use support::fake_athena::{AthenaFailure, Behaviour, FakeAthena, Latency};
use support::fake_bedrock::{FakeBedrock, Reply, test_sdk_config};
use tokio_util::sync::CancellationToken;

/// Runs per row; the median is printed.
const ROUNDS: usize = 3;
/// Model time to write SQL (assumption, see above).
const MODEL_SQL: Duration = Duration::from_millis(3000);
/// Model time to summarise rows (assumption, see above).
const MODEL_SUMMARY: Duration = Duration::from_millis(1500);

/// The fixture's second day, as a verified library query (or a model) writes it.
const ONE_DAY: &str = "SELECT event_time, actor_arn, api_operation FROM cloudtrail \
                       WHERE event_time >= TIMESTAMP '2026-11-21 00:00:00' AND event_time < TIMESTAMP '2026-11-22 00:00:00' \
                       ORDER BY event_time";
/// A count per operation grouped by its select-list alias, which Trino does not resolve (the validator refuses it).
const BY_ALIAS: &str = "SELECT api_operation AS op, count(*) AS n FROM cloudtrail \
                        WHERE event_time >= TIMESTAMP '2026-11-21 00:00:00' AND event_time < TIMESTAMP '2026-11-22 00:00:00' \
                        GROUP BY op ORDER BY n DESC";
/// The same count as the model fixes it.
const BY_COLUMN: &str = "SELECT api_operation, count(*) AS n FROM cloudtrail \
                         WHERE event_time >= TIMESTAMP '2026-11-21 00:00:00' AND event_time < TIMESTAMP '2026-11-22 00:00:00' \
                         GROUP BY api_operation ORDER BY n DESC";

struct Verified(Option<Example>);

#[async_trait::async_trait]
impl Retriever for Verified {
    async fn retrieve(&self, _q: &str, _now: DateTime<Utc>, _tz: chrono_tz::Tz) -> Retrieval {
        Retrieval { verified: self.0.clone(), examples: Vec::new(), offers: Vec::new() }
    }
}

/// The Athena engine with an `EXPLAIN` before every model query (what the pipeline did before issue 17).
struct DryRunFirst(AthenaEngine);

#[async_trait::async_trait]
impl SqlEngine for DryRunFirst {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
    fn binding(&self) -> &Binding {
        self.0.binding()
    }
    async fn dry_run(&self, sql: &ValidatedSql) -> Result<(), EngineError> {
        self.0.dry_run(sql).await
    }
    fn dry_run_pays(&self) -> bool {
        true
    }
    async fn execute(&self, sql: &ValidatedSql, opts: &ExecOptions) -> Result<QueryResult, EngineError> {
        self.0.execute(sql, opts).await
    }
}

/// A fresh fake Athena and fake Bedrock, and the pipeline over them.
struct Setup {
    athena: FakeAthena,
    bedrock: FakeBedrock,
    pipeline: Pipeline,
}

async fn setup(verified: bool, dry_run: bool) -> Setup {
    let athena = FakeAthena::start().await;
    athena.with_vpcflow_table();
    athena.set_latency(Latency::athena_like());
    let bedrock = FakeBedrock::start().await;
    let mut config = athena.config();
    config.athena.query_timeout_secs = 60;
    // The production poll schedule and restart policy: what an asker waits for.
    let engine = AthenaEngine::from_sdk_config(&test_sdk_config(&athena.url), &config);
    let engine: Arc<dyn SqlEngine> = if dry_run { Arc::new(DryRunFirst(engine)) } else { Arc::new(engine) };
    let example = verified.then(|| Example {
        id: "ct-one-day".into(),
        question: "what happened on 21 November".into(),
        sql: ONE_DAY.into(),
        score: 1.0,
    });
    let pipeline = Pipeline::new(PipelineParts {
        config: config.pipeline.clone(),
        catalog: Arc::new(asklake::catalog::Catalog::embedded().expect("embedded catalog")),
        engine,
        llm: Some(Arc::new(bedrock.llm()) as Arc<dyn Llm>),
        retriever: Arc::new(Verified(example)),
        templates: Templates::embedded(),
        llm_timeout: Duration::from_secs(30),
    })
    .with_clock(Arc::new(|| Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()));
    Setup { athena, bedrock, pipeline }
}

/// What one question cost.
#[derive(Debug, Clone, Copy, Default)]
struct Measured {
    starts: usize,
    other_calls: usize,
    model_calls: usize,
    seconds: f64,
    model_seconds: f64,
    bytes: u64,
    cost_usd: f64,
}

/// Asks `text` and counts the Athena and Bedrock calls it made.
async fn measure(s: &Setup, text: &str) -> Measured {
    let (ops_before, model_before) = (s.athena.operations().len(), s.bedrock.converse_requests().len());
    let started = Instant::now();
    let q = Question { text: text.into(), history: Vec::new() };
    let answer = s.pipeline.ask(q, &NoProgress, CancellationToken::new()).await;
    let seconds = started.elapsed().as_secs_f64();
    check(&answer);
    let ops = s.athena.operations()[ops_before..].to_vec();
    let starts = ops.iter().filter(|op| *op == "StartQueryExecution").count();
    let model_calls = s.bedrock.converse_requests().len() - model_before;
    let stats = &answer.result.as_ref().expect("rows").stats;
    let sql_calls = answer.attempts.iter().filter(|a| a.sql.is_some()).count().min(model_calls);
    let model_seconds = if model_calls == 0 {
        0.0
    } else {
        sql_calls as f64 * MODEL_SQL.as_secs_f64() + (model_calls - sql_calls) as f64 * MODEL_SUMMARY.as_secs_f64()
    };
    Measured {
        starts,
        other_calls: ops.len() - starts,
        model_calls,
        seconds,
        model_seconds,
        bytes: stats.bytes_scanned.unwrap_or(0),
        cost_usd: stats.cost_usd.unwrap_or(0.0),
    }
}

fn check(answer: &Answer) {
    assert_eq!(answer.outcome, Outcome::Answered, "the bench question must be answered: {answer:#?}");
}

fn sql(text: &str) -> Reply {
    Reply::Slow(MODEL_SQL, Box::new(Reply::sql(text)))
}

fn summary() -> Reply {
    Reply::Slow(MODEL_SUMMARY, Box::new(Reply::text("Mallory was denied DeleteTrail; alice signed in.")))
}

/// Row names, in [`round`]'s order.
const ROWS: [&str; 7] = [
    "(a) verified",
    "(b) verified, asked again (reuse)",
    "(c) model, first attempt",
    "(d) model, refused by Athena then fixed",
    "(e) model, refused by the validator then fixed",
    "(c) model, first attempt + EXPLAIN",
    "(d) model, refused by Athena then fixed + EXPLAIN",
];

/// One run of every row, in [`ROWS`] order.
async fn round() -> Vec<Measured> {
    let mut out = vec![Measured::default(); ROWS.len()];
    let verified = setup(true, false).await;
    out[0] = measure(&verified, "what happened on 21 November").await;
    out[1] = measure(&verified, "what happened on 21 November").await;
    for (dry_run, first, refused) in [(false, 2, 3), (true, 5, 6)] {
        let s = setup(false, dry_run).await;
        s.bedrock.script([sql(ONE_DAY), summary()]);
        out[first] = measure(&s, "what happened on 21 November?").await;
        out[refused] = refused_by_athena(dry_run).await;
    }
    let s = setup(false, false).await;
    s.bedrock.script([sql(BY_ALIAS), sql(BY_COLUMN), summary()]);
    out[4] = measure(&s, "which operations ran most on 21 November?").await;
    assert_eq!(s.athena.started_sql().len(), 1, "the validator refuses the alias before Athena sees it");
    out
}

/// Athena refuses the model's first SQL at analysis (Trino's COLUMN_NOT_FOUND: no scan, not billed), as it
/// would its `EXPLAIN`; the model's second SQL runs.
async fn refused_by_athena(dry_run: bool) -> Measured {
    let s = setup(false, dry_run).await;
    s.athena.next_query(Behaviour::FailWith(AthenaFailure::column_not_found(1, 8, "api_operation")));
    s.bedrock.script([sql(BY_COLUMN), sql(BY_COLUMN), summary()]);
    let m = measure(&s, "which operations ran most on 21 November?").await;
    assert_eq!(s.bedrock.unused(), 0, "the refused query must have been fixed by a second model call");
    m
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let rounds: Vec<Vec<Measured>> = {
        let mut all = Vec::new();
        for _ in 0..ROUNDS {
            all.push(round().await);
        }
        all
    };
    println!(
        "Athena latency model: queue {:?}, planning {:?}, scan {:?}/GB; model {:?} per SQL, {:?} per summary; median of {ROUNDS}",
        Latency::athena_like().queue,
        Latency::athena_like().planning,
        Latency::athena_like().scan_per_gb,
        MODEL_SQL,
        MODEL_SUMMARY
    );
    println!();
    println!(
        "| question | StartQueryExecution | other Athena calls | model calls | seconds to answer | of which not model | bytes scanned | cost |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (i, name) in ROWS.iter().enumerate() {
        let first = rounds[0][i];
        let mut secs: Vec<f64> = rounds.iter().map(|r| r[i].seconds).collect();
        let mut other: Vec<f64> = rounds.iter().map(|r| r[i].other_calls as f64).collect();
        let total = median(&mut secs);
        println!(
            "| {name} | {} | {} | {} | {total:.2} | {:.2} | {} | ${:.6} |",
            first.starts,
            median(&mut other),
            first.model_calls,
            total - first.model_seconds,
            asklake::engines::human_bytes(first.bytes),
            first.cost_usd
        );
    }
    let r = &rounds[0];
    println!();
    println!(
        "EXPLAIN before model SQL: +{} round trip(s) on a first-attempt answer, +{} on a refused-then-fixed one; \
         {:+.2} s and {:+.2} s (median); bytes unchanged ({} vs {}).",
        r[5].starts as i64 - r[2].starts as i64,
        r[6].starts as i64 - r[3].starts as i64,
        median(&mut rounds.iter().map(|r| r[5].seconds - r[2].seconds).collect::<Vec<_>>()),
        median(&mut rounds.iter().map(|r| r[6].seconds - r[3].seconds).collect::<Vec<_>>()),
        asklake::engines::human_bytes(r[3].bytes),
        asklake::engines::human_bytes(r[6].bytes),
    );
}
