//! A verified question over a rolling window ("the last 30 days") asked again a few minutes later sends the
//! same SQL, so Athena answers it from the stored result; the window still holds an event from a second before
//! "now". The embedded library, the real retriever, the pipeline and the Athena client against the fake Athena.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use asklake::library::{HybridRetriever, Library};
use asklake::pipeline::{Answer, Outcome, Pipeline};
use chrono::{DateTime, TimeZone, Utc};

use crate::support::fake_athena::FakeAthena;
use crate::support::pipeline;

/// The fixture's root console sign-in is at 2026-11-20 01:00:00 UTC; the first ask comes one second later.
fn first_ask() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 1).unwrap()
}

struct Harness {
    athena: FakeAthena,
    pipeline: Pipeline,
    /// Seconds since the first ask, on every clock (the question's "now", the engine's, the fake's).
    offset: Arc<AtomicI64>,
}

impl Harness {
    async fn start() -> Self {
        let athena = FakeAthena::start().await;
        athena.with_vpcflow_table();
        let config = athena.config();
        let offset = Arc::new(AtomicI64::new(0));
        let (engine_offset, ask_offset) = (offset.clone(), offset.clone());
        let engine = athena
            .engine(&config)
            .with_clock(Arc::new(move || Utc::now() + chrono::Duration::seconds(engine_offset.load(Ordering::SeqCst))));
        let retriever = HybridRetriever::new(Library::embedded().unwrap(), config.library.short_circuit_threshold, 3);
        let catalog = asklake::catalog::Catalog::embedded().unwrap();
        let pipeline = pipeline::build(&config.pipeline, catalog, Arc::new(engine), None, Arc::new(retriever))
            .with_clock(Arc::new(move || first_ask() + chrono::Duration::seconds(ask_offset.load(Ordering::SeqCst))));
        Self { athena, pipeline, offset }
    }

    fn advance(&self, by: Duration) {
        self.athena.advance(by);
        self.offset.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }

    async fn ask(&self, text: &str) -> Answer {
        pipeline::ask(&self.pipeline, text).await
    }
}

#[tokio::test]
async fn a_rolling_window_asked_again_three_minutes_later_is_the_same_sql_and_reuses_the_result() {
    let h = Harness::start().await;
    let first = h.ask("Did anyone sign in to the console as root?").await;
    assert_eq!(first.verified.as_deref(), Some("root-console-logins"), "{first:#?}");
    assert_eq!(first.outcome, Outcome::Answered, "{first:#?}");
    let rows = &first.result.as_ref().unwrap().rows;
    assert_eq!(rows.len(), 1, "the sign-in a second before now is inside the window: {rows:?}");

    h.advance(Duration::from_secs(3 * 60));
    let second = h.ask("Did anyone sign in to the console as root?").await;

    assert_eq!(first.sql, second.sql, "byte-identical SQL three minutes apart");
    let starts = h.athena.started_sql();
    assert_eq!(starts.len(), 1, "the second ask is served from the kept result, no round trip: {starts:#?}");
    assert_eq!(h.athena.scans(), 1, "the lake was scanned once");
    let reused = second.result.as_ref().unwrap();
    assert!(reused.stats.reused && reused.stats.bytes_scanned == Some(0), "{:?}", reused.stats);
    assert_eq!(reused.rows, *rows);
    let printed = asklake::pipeline::cli::render(&second, chrono_tz::Asia::Seoul);
    assert!(printed.contains("from a result 3 minutes old · 0 B scanned"), "{printed}");
}
