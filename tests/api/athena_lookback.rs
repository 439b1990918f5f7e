//! A question with no lower time bound does not scan the whole lake on Athena: the table is held to
//! `[athena] max_lookback_days` as a partition predicate, and the answer says how far back it searched.

use std::sync::Arc;

use asklake::catalog::{Binding, Catalog, SourceVersion};
use asklake::config::Config;
use asklake::engines::Lookback;
use asklake::llm::Llm;
use asklake::pipeline::validate::validate_within;
use asklake::pipeline::{Answer, Outcome};
use chrono::{DateTime, TimeZone, Utc};

use crate::support::fake_athena::FakeAthena;
use crate::support::fake_bedrock::{FakeBedrock, Reply};
use crate::support::pipeline::{self, NoLibrary};

/// No time bound at all: before the look-back it read every partition.
const UNBOUNDED: &str = "SELECT api_operation, count(*) AS n FROM cloudtrail GROUP BY api_operation ORDER BY n DESC";

/// Half an hour into 2026-11-22 (UTC): the fixture has two events on the 20th and two on the 21st.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 0, 30, 0).unwrap()
}

/// Asks the unbounded question through the model on a fresh fake Athena; returns the answer and the SQL sent.
async fn ask(configure: impl FnOnce(&mut Config)) -> (Answer, Vec<String>) {
    let athena = FakeAthena::start().await;
    athena.with_vpcflow_table();
    let bedrock = FakeBedrock::start().await;
    bedrock.script([Reply::sql(UNBOUNDED), Reply::text("ConsoleLogin ran most.")]);
    let mut config = athena.config();
    configure(&mut config);
    let engine = athena.engine(&config).with_clock(Arc::new(now));
    let llm: Arc<dyn Llm> = Arc::new(bedrock.llm());
    let pipeline = pipeline::build(
        &config.pipeline,
        Catalog::embedded().unwrap(),
        Arc::new(engine),
        Some(llm),
        Arc::new(NoLibrary),
    )
    .with_clock(Arc::new(now));
    let answer = pipeline::ask(&pipeline, "which operations ran most?").await;
    (answer, athena.started_sql())
}

#[tokio::test]
async fn an_unbounded_question_is_held_to_the_lookback_scans_less_and_says_so() {
    let (held, sent) = ask(|c| c.athena.max_lookback_days = 1).await;
    assert_eq!(held.outcome, Outcome::Answered, "{held:#?}");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("AS src WHERE time_dt >= TIMESTAMP '2026-11-21 00:00:00.000'"), "{}", sent[0]);
    let stats = &held.result.as_ref().unwrap().stats;
    assert_eq!(stats.bytes_scanned, Some(2 * 256), "only the 21st's two rows are read");
    assert_eq!(stats.lookback_days, Some(1));
    let printed = asklake::pipeline::cli::render(&held, chrono_tz::Asia::Seoul);
    assert!(printed.contains("searched the last day; name a period to search further back"), "{printed}");

    let (whole, sent) = ask(|c| c.athena.max_lookback_days = 0).await;
    assert!(!sent[0].contains("time_dt >="), "no cap configured, no predicate: {}", sent[0]);
    let stats = &whole.result.as_ref().unwrap().stats;
    assert_eq!(stats.bytes_scanned, Some(4 * 256));
    assert_eq!(stats.lookback_days, None);
}

#[tokio::test]
async fn the_default_lookback_is_ninety_days_back_from_utc_midnight() {
    let (answer, sent) = ask(|_| {}).await;
    assert!(sent[0].contains("time_dt >= TIMESTAMP '2026-08-24 00:00:00.000'"), "{}", sent[0]);
    let note =
        asklake::engines::scan::note(&answer.result.as_ref().unwrap().stats, asklake::pipeline::Language::Ko).unwrap();
    assert!(note.ends_with("최근 90일만 검색했습니다. 더 이전은 기간을 지정해 물어보세요"), "{note}");
}

#[test]
fn the_lookback_is_an_eventday_predicate_on_v1_and_leaves_bounded_queries_and_duckdb_alone() {
    let catalog = Catalog::embedded().unwrap();
    let v1 = Binding::AthenaSecurityLake {
        database: "amazon_security_lake_glue_db_us_east_1".into(),
        lake_region: "us_east_1".into(),
        source_version: SourceVersion::V1,
    };
    let lookback = Some(Lookback::before(now(), 90));
    let held = validate_within(UNBOUNDED, &catalog, &v1, 100, lookback).unwrap();
    assert!(held.executable().contains("AS src WHERE eventday >= '20260824'"), "{}", held.executable());
    assert_eq!(held.lookback(), lookback);
    assert!(held.unbounded_tables().is_empty());

    let bounded = "SELECT count(*) FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-11-01 00:00:00'";
    let own = validate_within(bounded, &catalog, &v1, 100, lookback).unwrap();
    assert!(own.executable().contains("eventday >= '20261101'"), "{}", own.executable());
    assert!(!own.executable().contains("20260824"));
    assert_eq!(own.lookback(), None, "the query's own bound wins; nothing to say in the footer");

    let duck = validate_within(UNBOUNDED, &catalog, &Binding::DuckDbSampleLake, 100, lookback).unwrap();
    let plain = asklake::pipeline::validate::validate(UNBOUNDED, &catalog, &Binding::DuckDbSampleLake, 100).unwrap();
    assert_eq!((duck.executable(), duck.lookback()), (plain.executable(), None));
}
