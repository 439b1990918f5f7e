//! The cross-source library entries return their planted incident on seeds 1, 2, 3, 7 and 42 and on several
//! values of "now" (each lake generated small, the entries run through validation on the DuckDB sample lake).

use asklake::catalog::Catalog;
use asklake::config::Config;
use asklake::engines::{ExecOptions, QueryResult};
use asklake::library::Library;
use asklake::library::params::{self, Window};
use asklake::sample::{GenerateOptions, IncidentKind, Manifest};
use chrono::{DateTime, TimeZone, Utc};

const SEEDS: [u64; 5] = [1, 2, 3, 7, 42];
/// Rows per lake: small enough for fifteen lakes, large enough for a realistic background.
const ROWS: usize = 6_000;

fn nows() -> [DateTime<Utc>; 3] {
    [
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 3, 1, 23, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 6, 14, 15, 45, 0).unwrap(),
    ]
}

struct Lake {
    config: Config,
    manifest: Manifest,
    _dir: tempfile::TempDir,
}

fn lake(seed: u64, now: DateTime<Utc>) -> Lake {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake.duckdb");
    let opts = GenerateOptions {
        out: out.clone(),
        rows: ROWS,
        seed,
        now,
        parquet_dir: None,
        cloudtrail_dir: None,
        force: true,
    };
    let manifest = asklake::sample::generate(&opts).expect("sample lake generates");
    let mut config = Config::default();
    config.duckdb.path = out;
    Lake { config, manifest, _dir: dir }
}

/// Runs entry `id` over the last eight days of `lake` (the default window widened to hold every incident).
async fn run(lake: &Lake, id: &str) -> QueryResult {
    let engine = asklake::engines::from_config(&lake.config).expect("engine");
    let entry = Library::embedded().unwrap().get(id).unwrap_or_else(|| panic!("entry {id} exists")).clone();
    let now = lake.manifest.now;
    let mut values = params::defaults_with_examples(&entry, now);
    values.window = Some(Window { start: now - chrono::Duration::days(8), end: now + chrono::Duration::hours(1) });
    let sql = params::render(&entry.sql, &values).unwrap();
    let validated =
        asklake::pipeline::validate::validate(&sql, &Catalog::embedded().unwrap(), engine.binding(), 10_000)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    engine.execute(&validated, &ExecOptions::default()).await.unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn column(result: &QueryResult, name: &str) -> Vec<String> {
    let i = result.columns.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("no column {name}"));
    result.rows.iter().map(|r| r[i].to_string()).collect()
}

/// The value of `want` in the first row whose `key` column equals `value`.
fn cell(result: &QueryResult, key: &str, value: &str, want: &str) -> Option<String> {
    let keys = column(result, key);
    let wanted = column(result, want);
    keys.iter().position(|k| k == value).map(|i| wanted[i].clone())
}

async fn check(lake: &Lake) {
    let m = &lake.manifest;
    let at = format!("seed {} now {}", m.seed, m.now);
    let get = |kind| m.incident(kind).unwrap_or_else(|| panic!("{at}: {kind:?} planted"));

    let s3 = get(IncidentKind::S3Exfiltration);
    let burst = run(lake, "s3-download-burst-after-exposure").await;
    assert_eq!(cell(&burst, "source_ip", &s3.source_ip, "downloads"), Some(s3.details["get_count"].clone()), "{at}");
    assert_eq!(cell(&burst, "source_ip", &s3.source_ip, "bucket"), Some(s3.details["bucket"].clone()), "{at}");
    assert!(column(&run(lake, "s3-anonymous-access").await, "source_ip").contains(&s3.source_ip), "{at}");

    let lambda = get(IncidentKind::LambdaBackdoor);
    let hunt = run(lake, "lambda-new-invoker-after-code-update").await;
    let role = &lambda.details["invoker_role"];
    assert_eq!(
        cell(&hunt, "invoker_role", role, "invocations"),
        Some(lambda.details["invocation_count"].clone()),
        "{at}"
    );
    assert!(column(&hunt, "update_event_id").contains(&lambda.details["update_event_id"]), "{at}");
    assert!(column(&run(lake, "lambda-code-updates").await, "event_id").contains(&lambda.details["update_event_id"]));

    let eks = get(IncidentKind::EksPodExec);
    let exec = column(&run(lake, "eks-pod-exec").await, "audit_id");
    for id in eks.details["exec_audit_ids"].split(',') {
        assert!(exec.iter().any(|e| e == id), "{at}: eks-pod-exec misses {id}");
    }
    assert!(column(&run(lake, "eks-anonymous-requests").await, "source_ip").contains(&eks.source_ip), "{at}");
    assert!(column(&run(lake, "eks-exec-after-anonymous-probe").await, "source_ip").contains(&eks.source_ip), "{at}");

    let waf = get(IncidentKind::WafSqlInjection);
    let blocks = run(lake, "waf-sql-injection-blocks").await;
    assert_eq!(column(&blocks, "client_ip"), vec![waf.source_ip.clone()], "{at}");
    assert_eq!(column(&blocks, "blocked"), vec![waf.details["blocked_count"].clone()], "{at}");
    let joined = run(lake, "waf-blocked-ips-in-vpcflow").await;
    assert_eq!(column(&joined, "client_ip"), vec![waf.source_ip.clone()], "{at}: only the planted client in both");
    assert_eq!(column(&joined, "flows"), vec![waf.details["vpcflow_count"].clone()], "{at}");
}

#[tokio::test]
async fn every_cross_source_incident_is_returned_by_its_entry_on_five_seeds_and_three_nows() {
    for seed in SEEDS {
        for now in nows() {
            check(&lake(seed, now)).await;
        }
    }
}
