//! Tests for the limits every engine query runs under: the per-query timeout on DuckDB and Athena, the slots
//! shared by all queries, the async runtime staying free while DuckDB works, and what the pipeline does with a
//! runaway query (one turn for a cheaper query, then a clear message in the asker's language).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use asklake::catalog::Catalog;
use asklake::cli::{OutputFormat, SqlArgs};
use asklake::config::{Config, DuckDbSource};
use asklake::engines::duckdb::{DuckDbEngine, DuckDbSettings};
use asklake::engines::limits::QueryLimits;
use asklake::engines::{EngineError, ExecOptions, SqlEngine, Value};
use asklake::pipeline::validate::{ValidatedSql, validate};
use asklake::pipeline::{Asker, Language, NoProgress, Outcome, Pipeline, Question};
use asklake::slack::client::{ClientPolicy, SlackWebClient};
use chrono::{TimeZone, Utc};
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::fake_athena::{Behaviour, FakeAthena};
use crate::support::fake_bedrock::{FakeBedrock, Reply};
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};
use crate::support::pipeline::{self, NoLibrary};

/// Three-way self-join with only inequality conditions: billions of rows to count, so it runs until stopped.
const SLOW: &str = "SELECT count(*) AS n FROM cloudtrail a JOIN cloudtrail b ON a.event_id <> b.event_id \
                    JOIN cloudtrail c ON b.event_id <> c.event_id";
const QUICK: &str = "SELECT count(*) AS n FROM cloudtrail";
const EVENTS: usize = 3000;

/// A folder of raw CloudTrail files holding `EVENTS` events.
fn trail_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<_> = (0..EVENTS)
        .map(|i| {
            json!({"eventVersion": "1.08", "eventTime": "2024-05-01T09:13:27Z", "eventID": format!("ev-{i:05}"),
                   "eventName": "ListBuckets", "eventSource": "s3.amazonaws.com", "awsRegion": "us-east-1",
                   "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.9",
                   "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"}})
        })
        .collect();
    std::fs::write(dir.path().join("trail.json"), json!({ "Records": records }).to_string()).unwrap();
    dir
}

fn raw_engine(dir: &std::path::Path, limits: QueryLimits) -> Arc<DuckDbEngine> {
    Arc::new(DuckDbEngine::open_cloudtrail_files(dir, &DuckDbSettings::default()).unwrap().with_limits(limits))
}

fn validated(engine: &dyn SqlEngine, sql: &str) -> ValidatedSql {
    validate(sql, &Catalog::embedded().unwrap(), engine.binding(), 100).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn cancellable() -> (ExecOptions, CancellationToken) {
    let opts = ExecOptions::default();
    let cancel = opts.cancel.clone();
    (opts, cancel)
}

/// Polls `done` until it holds; fails the test after 20 s.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> tokio::task::JoinHandle<T> {
    tokio::spawn(f)
}

// ---------------------------------------------------------------- DuckDB

#[tokio::test]
async fn a_runaway_duckdb_query_is_interrupted_at_the_configured_query_timeout() {
    let dir = trail_folder();
    let mut config = Config::default();
    config.duckdb.source = DuckDbSource::CloudtrailFiles;
    config.duckdb.cloudtrail_dir = dir.path().to_owned();
    config.engine.query_timeout_secs = 1;
    let engine = asklake::engines::from_config(&config).unwrap();
    let slow = validated(engine.as_ref(), SLOW);

    let started = Instant::now();
    let err = engine.execute(&slow, &ExecOptions::default()).await.unwrap_err();

    assert_eq!(err, EngineError::Timeout(Duration::from_secs(1)), "the caller allowed 120 s; the engine allows 1 s");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    assert!(err.user_message_in(Language::Ko).contains("1초"), "{}", err.user_message_in(Language::Ko));
    assert!(err.user_message_in(Language::En).contains("longer than 1 s"));
    let after = engine.execute(&validated(engine.as_ref(), QUICK), &ExecOptions::default()).await.unwrap();
    assert_eq!(after.rows, vec![vec![Value::Int(EVENTS as i64)]], "the engine still answers");
}

#[tokio::test]
async fn serve_ask_and_sql_refuse_to_start_when_duckdb_cannot_be_locked() {
    let (trail, state) = (trail_folder(), tempfile::tempdir().unwrap());
    let mut config = Config::default();
    config.duckdb.source = DuckDbSource::CloudtrailFiles;
    config.duckdb.cloudtrail_dir = trail.path().to_owned();
    config.duckdb.memory_limit = "lots".into();
    config.store.path = state.path().join("asklake.db");
    let says_what_failed = |text: String| {
        assert!(text.contains("memory_limit = 'lots'") && text.contains("without this lock"), "{text}");
    };

    let slack = FakeSlack::start().await;
    let client = SlackWebClient::new(&slack.api_url, &SecretString::from(BOT_TOKEN), ClientPolicy::default()).unwrap();
    let serve = asklake::startup::deps_from_config(&config, Arc::new(client)).await.err().expect("serve refuses");
    says_what_failed(format!("{serve:#}"));
    let ask = asklake::pipeline::cli::build(&config).await.err().expect("ask refuses");
    says_what_failed(format!("{ask:#}"));
    let args = SqlArgs { sql: QUICK.into(), format: OutputFormat::Table, explain: false };
    let sql = asklake::engines::cli::sql(&config, &args).await.unwrap();
    assert_eq!(sql, std::process::ExitCode::from(3), "asklake sql exits with the engine error code");
}

#[tokio::test]
async fn with_one_slot_a_second_query_waits_until_the_first_is_done() {
    let dir = trail_folder();
    let engine = raw_engine(dir.path(), QueryLimits::new(1, Duration::from_secs(60)));
    let limits = engine.limits().clone();
    let (slow, quick) = (validated(engine.as_ref(), SLOW), validated(engine.as_ref(), QUICK));
    let (opts, stop_first) = cancellable();
    let first = spawn({
        let engine = engine.clone();
        async move { engine.execute(&slow, &opts).await }
    });
    until("the slow query holds the slot", || limits.running() == 1).await;

    let second = spawn({
        let engine = engine.clone();
        async move { engine.execute(&quick, &ExecOptions::default()).await }
    });
    until("the quick query waits", || limits.waiting() == 1).await;
    assert_eq!(limits.running(), 1, "the quick query did not start beside the slow one");

    stop_first.cancel();
    assert_eq!(first.await.unwrap().unwrap_err(), EngineError::Cancelled);
    assert_eq!(second.await.unwrap().unwrap().rows, vec![vec![Value::Int(EVENTS as i64)]]);
    assert_eq!((limits.peak(), limits.running(), limits.waiting()), (1, 0, 0));
}

#[tokio::test]
async fn a_query_whose_caller_gives_up_is_still_stopped_and_frees_its_slot() {
    let dir = trail_folder();
    let engine = raw_engine(dir.path(), QueryLimits::new(1, Duration::from_secs(600)));
    let limits = engine.limits().clone();
    let slow = validated(engine.as_ref(), SLOW);
    // The future is dropped mid-query, as when the question's own timeout fires around it.
    let opts = ExecOptions::default();
    let abandoned = tokio::time::timeout(Duration::from_millis(500), engine.execute(&slow, &opts)).await;
    assert!(abandoned.is_err(), "still running when dropped");
    until("DuckDB stopped and gave its slot back", || limits.running() == 0).await;
    let quick = engine.execute(&validated(engine.as_ref(), QUICK), &ExecOptions::default()).await.unwrap();
    assert_eq!(quick.rows, vec![vec![Value::Int(EVENTS as i64)]]);
}

#[tokio::test]
async fn with_two_slots_two_queries_run_at_once() {
    let dir = trail_folder();
    let engine = raw_engine(dir.path(), QueryLimits::new(2, Duration::from_secs(60)));
    let limits = engine.limits().clone();
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (opts, stop) = cancellable();
        let (engine, slow) = (engine.clone(), validated(engine.as_ref(), SLOW));
        tasks.push(spawn(async move { engine.execute(&slow, &opts).await }));
        stops.push(stop);
    }
    until("both queries run", || limits.running() == 2).await;
    stops.iter().for_each(CancellationToken::cancel);
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap_err(), EngineError::Cancelled);
    }
    assert_eq!(limits.peak(), 2);
}

#[tokio::test]
async fn a_query_that_outgrows_the_memory_limit_ends_as_a_resource_limit_instead_of_spilling() {
    let dir = trail_folder();
    let settings = DuckDbSettings { threads: 1, memory_limit: "64MB".into() };
    let engine = DuckDbEngine::open_cloudtrail_files(dir.path(), &settings).unwrap();
    let pairs = "SELECT count(DISTINCT a.event_id || b.event_id) AS n FROM cloudtrail a \
                 JOIN cloudtrail b ON a.event_id <> b.event_id";
    let err = engine.execute(&validated(&engine, pairs), &ExecOptions::default()).await.unwrap_err();
    assert!(matches!(err, EngineError::ResourceLimit { ref message } if message.contains("Out of Memory")), "{err:?}");
    assert!(err.is_runaway());
    assert!(err.user_message().contains("needed more memory"), "{}", err.user_message());
    assert!(!dir.path().join(".tmp").exists() && !std::path::Path::new(".tmp").exists(), "nothing spilled to disk");
}

#[tokio::test(flavor = "current_thread")]
async fn a_running_duckdb_query_leaves_the_async_runtime_free() {
    let dir = trail_folder();
    let engine = raw_engine(dir.path(), QueryLimits::new(1, Duration::from_secs(2)));
    let limits = engine.limits().clone();
    // On a one-thread runtime this task can only run while the query runs if DuckDB works off the runtime.
    let ticker = tokio::spawn(async move {
        for _ in 0..2000 {
            if limits.running() == 1 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    });
    let err = engine.execute(&validated(engine.as_ref(), SLOW), &ExecOptions::default()).await.unwrap_err();
    assert_eq!(err, EngineError::Timeout(Duration::from_secs(2)));
    assert!(ticker.await.unwrap(), "the runtime ran another task while DuckDB worked");
}

// ---------------------------------------------------------------- Athena

#[tokio::test]
async fn an_athena_query_over_the_engine_timeout_is_stopped_on_athena() {
    let athena = FakeAthena::start().await;
    let mut config = athena.config();
    config.engine.query_timeout_secs = 1;
    let engine = athena.engine(&config);
    athena.next_query(Behaviour::Slow { scan_bytes: 10 });
    let started = Instant::now();
    let err = engine.run_sql("SELECT 1", &ExecOptions::default()).await.unwrap_err();
    assert_eq!(err, EngineError::Timeout(Duration::from_secs(1)));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(athena.operations().last().map(String::as_str), Some("StopQueryExecution"));
}

#[tokio::test]
async fn athena_queries_share_the_slots_and_the_second_starts_only_after_the_first() {
    let athena = FakeAthena::start().await;
    let mut config = athena.config();
    config.engine.max_concurrent_queries = 1;
    let engine = Arc::new(athena.engine(&config));
    let limits = engine.limits().clone();
    athena.next_query(Behaviour::Slow { scan_bytes: 0 });
    let (opts, stop_first) = cancellable();
    let first = spawn({
        let engine = engine.clone();
        async move { engine.run_sql("SELECT 1", &opts).await }
    });
    until("the first query runs", || limits.running() == 1).await;
    let second = spawn({
        let engine = engine.clone();
        async move { engine.run_sql("SELECT 42 AS answer", &ExecOptions::default()).await }
    });
    until("the second query waits", || limits.waiting() == 1).await;
    assert_eq!(athena.started_sql(), ["SELECT 1"], "the waiting query was not started on Athena");
    stop_first.cancel();
    assert_eq!(first.await.unwrap().unwrap_err(), EngineError::Cancelled);
    assert_eq!(second.await.unwrap().unwrap().rows, vec![vec![Value::Int(42)]]);
    assert_eq!(limits.peak(), 1);
}

// ---------------------------------------------------------------- the pipeline

fn pipeline(bedrock: &FakeBedrock, athena: &FakeAthena, config: &Config) -> Pipeline {
    let engine = Arc::new(athena.engine(config));
    pipeline::build(
        &config.pipeline,
        Catalog::embedded().unwrap(),
        engine,
        Some(Arc::new(bedrock.llm())),
        Arc::new(NoLibrary),
    )
    .with_clock(Arc::new(|| Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()))
}

fn user_text(body: &serde_json::Value) -> String {
    body["messages"][0]["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_runaway_query_gets_one_turn_for_a_cheaper_one_then_ends_in_the_askers_language() {
    let (bedrock, athena) = (FakeBedrock::start().await, FakeAthena::start().await);
    let mut config = athena.config();
    config.engine.query_timeout_secs = 1;
    athena.next_query(Behaviour::Slow { scan_bytes: 0 });
    athena.next_query(Behaviour::Slow { scan_bytes: 0 });
    bedrock.script([
        Reply::sql("SELECT actor_arn, count(*) AS events FROM cloudtrail WHERE event_time > TIMESTAMP '2026-01-01 00:00:00' GROUP BY actor_arn"),
        Reply::sql("SELECT actor_arn, count(*) AS events FROM cloudtrail WHERE event_time > TIMESTAMP '2026-11-21 00:00:00' GROUP BY actor_arn"),
        Reply::sql("SELECT 1"),
    ]);
    let question = Question { text: "올해 가장 많이 호출한 사용자는?".into(), history: vec![] };

    let answer = pipeline(&bedrock, &athena, &config).ask(question, &NoProgress, CancellationToken::new()).await;

    assert_eq!(answer.outcome, Outcome::Failed, "{answer:#?}");
    assert!(answer.text.contains("1초") && answer.text.contains("기간을 좁히"), "{}", answer.text);
    let requests = bedrock.converse_requests();
    assert_eq!(requests.len(), 2, "one turn for a cheaper query, no third");
    let feedback = user_text(&requests[1]);
    assert!(
        feedback.contains("ran longer than the 1 s limit") && feedback.contains("narrower event_time window"),
        "{feedback}"
    );
    assert_eq!(answer.attempts.len(), 2);
    assert_eq!(athena.operations().iter().filter(|o| *o == "StopQueryExecution").count(), 2);
}
