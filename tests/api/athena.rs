//! Athena answers in one round trip, reuses identical results, prunes partitions, and says what it scanned:
//! the pipeline and the real Athena client against the fake Athena.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use asklake::config::Config;
use asklake::engines::{ExecOptions, SqlEngine};
use asklake::library::{Example, Retrieval, Retriever};
use asklake::llm::Llm;
use asklake::pipeline::{Answer, Outcome, Pipeline};
use chrono::{DateTime, TimeZone, Utc};

use crate::support::fake_athena::{AthenaFailure, Behaviour, FakeAthena};
use crate::support::fake_bedrock::{FakeBedrock, Reply};
use crate::support::pipeline;

/// The fixture's second day, 2026-11-21 (UTC), as a verified library query renders a window.
const ONE_DAY: &str = "SELECT event_time, actor_arn, api_operation FROM cloudtrail \
                       WHERE event_time >= TIMESTAMP '2026-11-21 00:00:00' AND event_time < TIMESTAMP '2026-11-22 00:00:00' \
                       ORDER BY event_time";

struct Verified(Option<Example>);

#[async_trait::async_trait]
impl Retriever for Verified {
    async fn retrieve(&self, _q: &str, _now: DateTime<Utc>, _tz: chrono_tz::Tz) -> Retrieval {
        Retrieval { verified: self.0.clone(), examples: Vec::new(), offers: Vec::new() }
    }
}

struct Harness {
    athena: FakeAthena,
    bedrock: FakeBedrock,
    pipeline: Pipeline,
    /// Seconds added to the engine's clock (ages of reused results).
    skew: Arc<AtomicI64>,
}

impl Harness {
    /// Moves both the fake's and the engine's clocks forward.
    fn advance(&self, by: Duration) {
        self.athena.advance(by);
        self.skew.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }

    async fn ask(&self, text: &str) -> Answer {
        pipeline::ask(&self.pipeline, text).await
    }

    /// Every `StartQueryExecution` so far.
    fn starts(&self) -> Vec<String> {
        self.athena.started_sql()
    }
}

async fn harness(verified: Option<&str>, configure: impl FnOnce(&mut Config)) -> Harness {
    let athena = FakeAthena::start().await;
    athena.with_vpcflow_table();
    let bedrock = FakeBedrock::start().await;
    let mut config = athena.config();
    configure(&mut config);
    let skew = Arc::new(AtomicI64::new(0));
    let clock_skew = skew.clone();
    let engine = athena
        .engine(&config)
        .with_clock(Arc::new(move || Utc::now() + chrono::Duration::seconds(clock_skew.load(Ordering::SeqCst))));
    let example = verified.map(|sql| Example {
        id: "ct-one-day".into(),
        question: "what happened on 21 November".into(),
        sql: sql.into(),
        score: 1.0,
    });
    let catalog = asklake::catalog::Catalog::embedded().unwrap();
    let llm: Arc<dyn Llm> = Arc::new(bedrock.llm());
    let pipeline = pipeline::build(&config.pipeline, catalog, Arc::new(engine), Some(llm), Arc::new(Verified(example)))
        .with_clock(Arc::new(|| Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()));
    Harness { athena, bedrock, pipeline, skew }
}

#[tokio::test]
async fn a_verified_question_is_one_athena_query_without_explain() {
    let h = harness(Some(ONE_DAY), |_| {}).await;
    let answer = h.ask("what happened on 21 November").await;
    assert_eq!(answer.outcome, Outcome::Answered, "{answer:#?}");
    let starts = h.starts();
    assert_eq!(starts.len(), 1, "one round trip: {starts:#?}");
    assert!(!starts[0].starts_with("EXPLAIN"), "{}", starts[0]);
    assert!(h.bedrock.requests().is_empty(), "a verified question needs no model");
}

#[tokio::test]
async fn a_model_question_answered_first_time_is_one_athena_query() {
    let h = harness(None, |_| {}).await;
    h.bedrock.script([Reply::sql(ONE_DAY), Reply::text("Mallory was denied DeleteTrail; alice signed in.")]);
    let answer = h.ask("what happened on 21 November?").await;
    assert_eq!(answer.outcome, Outcome::Answered, "{answer:#?}");
    assert_eq!(h.starts().len(), 1, "no EXPLAIN before the query: {:#?}", h.starts());
}

#[tokio::test]
async fn a_model_query_athena_refuses_costs_one_failed_query_and_the_fix_one_more() {
    let h = harness(None, |_| {}).await;
    h.athena.next_query(Behaviour::FailWith(AthenaFailure::column_not_found(1, 8, "api_operaton")));
    h.bedrock.script([Reply::sql(ONE_DAY), Reply::sql(ONE_DAY), Reply::text("Two events.")]);
    let answer = h.ask("what happened on 21 November?").await;
    assert_eq!(answer.outcome, Outcome::Answered, "{answer:#?}");
    assert_eq!(answer.attempts.len(), 2);
    let starts = h.starts();
    assert_eq!(starts.len(), 2, "failed run + fixed run, no EXPLAIN: {starts:#?}");
    assert!(starts.iter().all(|s| !s.starts_with("EXPLAIN")));
}

#[tokio::test]
async fn the_same_verified_question_again_reuses_the_result_and_says_how_old_it_is() {
    let h = harness(Some(ONE_DAY), |_| {}).await;
    let first = h.ask("what happened on 21 November").await;
    let fresh = first.result.as_ref().unwrap();
    assert!(!fresh.stats.reused && fresh.stats.bytes_scanned.unwrap() > 0, "{:?}", fresh.stats);
    h.advance(Duration::from_secs(3 * 60 + 10));

    let second = h.ask("what happened on 21 November").await;

    let reused = second.result.as_ref().unwrap();
    assert_eq!(reused.rows, fresh.rows);
    assert!(reused.stats.reused, "{:?}", reused.stats);
    assert_eq!((reused.stats.bytes_scanned, reused.stats.cost_usd), (Some(0), Some(0.0)));
    assert_eq!(h.athena.scans(), 1, "the lake was scanned once");
    assert_eq!(h.starts().len(), 1, "the re-ask is answered from the kept result: zero round trips");
    let body = &h.athena.bodies("StartQueryExecution")[0];
    let by_age = &body["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"];
    assert_eq!((by_age["Enabled"].as_bool(), by_age["MaxAgeInMinutes"].as_u64()), (Some(true), Some(15)));
    let printed = asklake::pipeline::cli::render(&second, chrono_tz::Asia::Seoul);
    assert!(printed.contains("from a result 3 minutes old · 0 B scanned ($0.00)"), "{printed}");
    let ko = asklake::engines::scan::note(&reused.stats, asklake::pipeline::Language::Ko).unwrap();
    assert_eq!(ko, "3분 전 결과 재사용 · 0 B 스캔 ($0.00)");
}

#[tokio::test]
async fn another_instance_asking_the_same_query_gets_athenas_stored_result_in_one_round_trip() {
    let h = harness(Some(ONE_DAY), |_| {}).await;
    let first = h.ask("what happened on 21 November").await;
    let sql = h.starts().remove(0);
    h.advance(Duration::from_secs(60));

    // A second task of the service: its own engine, nothing kept in memory, the same Athena workgroup.
    let other = h.athena.engine(&h.athena.config());
    let opts = ExecOptions { reuse: true, ..ExecOptions::default() };
    let reused = other.run_sql(&sql, &opts).await.unwrap();

    assert_eq!(h.starts().len(), 2, "the other instance calls Athena once");
    assert_eq!(h.athena.scans(), 1, "and Athena answers from the stored result");
    assert!(reused.stats.reused && reused.stats.bytes_scanned == Some(0), "{:?}", reused.stats);
    assert_eq!(reused.rows, first.result.unwrap().rows);
}

#[tokio::test]
async fn a_result_older_than_the_max_age_or_reuse_turned_off_scans_again() {
    let h = harness(Some(ONE_DAY), |_| {}).await;
    h.ask("what happened on 21 November").await;
    h.advance(Duration::from_secs(16 * 60));
    let again = h.ask("what happened on 21 November").await;
    assert!(!again.result.unwrap().stats.reused);
    assert_eq!(h.athena.scans(), 2);

    let off = harness(Some(ONE_DAY), |c| c.athena.result_reuse_minutes = 0).await;
    off.ask("what happened on 21 November").await;
    let again = off.ask("what happened on 21 November").await;
    assert!(!again.result.unwrap().stats.reused);
    assert_eq!(off.athena.scans(), 2);
    assert!(off.athena.bodies("StartQueryExecution").iter().all(|b| b.get("ResultReuseConfiguration").is_none()));
}

#[tokio::test]
async fn a_one_day_window_scans_only_that_day_and_returns_what_the_whole_scan_returns() {
    let h = harness(None, |_| {}).await;
    let engine = h.athena.engine(&h.athena.config());
    let catalog = asklake::catalog::Catalog::embedded().unwrap();
    let pruned = asklake::pipeline::validate::validate(ONE_DAY, &catalog, engine.binding(), 100).unwrap();
    assert!(pruned.executable().contains("WHERE time_dt >= TIMESTAMP '2026-11-21 00:00:00.000'"));
    let result = engine.execute(&pruned, &ExecOptions::default()).await.unwrap();
    // The same query with the binding's predicate taken out reads every day.
    let unpruned_sql = pruned.executable().replace(
        " WHERE time_dt >= TIMESTAMP '2026-11-21 00:00:00.000' AND time_dt < TIMESTAMP '2026-11-22 00:00:00.000'",
        "",
    );
    let whole = engine.run_sql(&unpruned_sql, &ExecOptions::default()).await.unwrap();
    assert_eq!(result.rows, whole.rows);
    assert_eq!(result.rows.len(), 2);
    assert_eq!(result.stats.bytes_scanned, Some(2 * 256), "2 of the fixture's 4 rows are on 21 November");
    assert_eq!(whole.stats.bytes_scanned, Some(4 * 256));
    assert!(result.stats.cost_usd.unwrap() > 0.0);
}

fn explain(version: &str, sql: &str) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"))
        .args(["sql", "--explain", sql])
        .env_remove("ASKLAKE_CONFIG")
        .env("RUST_LOG", "error")
        .env("ASKLAKE_ENGINE__KIND", "athena")
        .env("ASKLAKE_AWS__REGION", "us-east-1")
        .env("ASKLAKE_ATHENA__SOURCE_VERSION", version)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn sql_explain_shows_the_partition_predicates_of_each_binding() {
    let one_day = "SELECT count(*) FROM vpcflow WHERE event_time >= TIMESTAMP '2026-12-01 00:00:00' \
                   AND event_time < TIMESTAMP '2026-12-02 00:00:00' AND account_id = '111122223333'";
    let (v1, note) = explain("1", one_day);
    assert!(note.contains("source version 1, OCSF 1.0.0-rc.2"), "{note}");
    assert!(
        v1.contains(
            "_vpc_flow_1_0\" AS src WHERE eventday BETWEEN '20261201' AND '20261201' AND accountid IN ('111122223333')"
        ),
        "{v1}"
    );
    let (v2, _) = explain("2", one_day);
    assert!(v2.contains("_vpc_flow_2_0\" AS src WHERE time_dt >= TIMESTAMP '2026-12-01 00:00:00.000' AND time_dt < TIMESTAMP '2026-12-02 00:00:00.000' AND accountid IN ('111122223333')"), "{v2}");
    let (_, unbounded) = explain("2", "SELECT count(*) FROM cloudtrail");
    assert!(unbounded.contains("no event_time bound on cloudtrail"), "{unbounded}");
}
