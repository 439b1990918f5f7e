//! The cross-source sample data: Security Hub findings and Route 53 queries beside CloudTrail, every new column
//! readable, and the planted crypto-mining incident returned by its library entries on many seeds and clocks.

use std::collections::BTreeMap;

use asklake::catalog::Catalog;
use asklake::config::Config;
use asklake::engines::{ExecOptions, QueryResult, SqlEngine};
use asklake::library::Library;
use asklake::library::params;
use asklake::sample::{GenerateOptions, IncidentKind, Manifest};
use chrono::{DateTime, TimeZone, Utc};

/// A generated lake and an engine over it.
struct Lake {
    engine: std::sync::Arc<dyn SqlEngine>,
    manifest: Manifest,
    _dir: tempfile::TempDir,
}

fn lake(seed: u64, now: DateTime<Utc>, rows: usize) -> Lake {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake.duckdb");
    let opts =
        GenerateOptions { out: out.clone(), rows, seed, now, parquet_dir: None, cloudtrail_dir: None, force: true };
    let manifest = asklake::sample::generate(&opts).expect("sample lake generates");
    let mut config = Config::default();
    config.duckdb.path = out;
    let engine = asklake::engines::from_config(&config).expect("engine over the lake");
    Lake { engine, manifest, _dir: dir }
}

/// Runs library entry `id` with its own default window ending at the lake's "now".
async fn run_entry(lake: &Lake, id: &str) -> QueryResult {
    let entry = Library::embedded().unwrap().get(id).unwrap_or_else(|| panic!("entry {id} exists")).clone();
    let values = params::defaults_with_examples(&entry, lake.manifest.now);
    let sql = params::render(&entry.sql, &values).unwrap();
    let catalog = Catalog::embedded().unwrap();
    let validated = asklake::pipeline::validate::validate(&sql, &catalog, lake.engine.binding(), 10_000)
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    lake.engine.execute(&validated, &ExecOptions::default()).await.unwrap_or_else(|e| panic!("{id}: {e}"))
}

async fn run_sql(lake: &Lake, sql: &str) -> QueryResult {
    let catalog = Catalog::embedded().unwrap();
    let validated = asklake::pipeline::validate::validate(sql, &catalog, lake.engine.binding(), 10_000)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    lake.engine.execute(&validated, &ExecOptions::default()).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Each row as column name → text.
fn rows(result: &QueryResult) -> Vec<BTreeMap<String, String>> {
    result
        .rows
        .iter()
        .map(|r| result.columns.iter().zip(r).map(|(c, v)| (c.name.clone(), v.to_string())).collect())
        .collect()
}

fn crypto(m: &Manifest) -> (&asklake::sample::Incident, impl Fn(&str) -> String + '_) {
    let i = m.incident(IncidentKind::CryptoMining).expect("the sample plants CryptoMining");
    (i, move |k: &str| i.details.get(k).unwrap_or_else(|| panic!("detail {k}")).clone())
}

/// Asserts every entry aimed at the incident returns its instance with the planted facts.
async fn assert_found(lake: &Lake) {
    let (incident, fact) = crypto(&lake.manifest);
    let instance = fact("instance_id");
    let ctx = format!("seed {} now {}", lake.manifest.seed, lake.manifest.now);
    let chain = rows(&run_entry(lake, "crypto-mining-chain").await);
    let hit = chain
        .iter()
        .find(|r| r["instance_id"] == instance && r["domain"] == fact("domain"))
        .unwrap_or_else(|| panic!("{ctx}: crypto-mining-chain misses {instance}: {chain:?}"));
    assert_eq!(hit["key_name"], fact("key_name"), "{ctx}");
    assert_eq!(hit["source_ip"], incident.source_ip, "{ctx}");
    assert_eq!(hit["actor_arn"], incident.actor, "{ctx}");
    assert_eq!(hit["queries"], fact("dns_count"), "{ctx}");
    assert_eq!(hit["finding_type"], fact("finding_type"), "{ctx}");
    assert!(chain.iter().all(|r| r["instance_id"] == instance), "{ctx}: background in the chain: {chain:?}");

    let lookups = rows(&run_entry(lake, "dns-mining-pool-lookups").await);
    assert_eq!(lookups.len(), 1, "{ctx}: only the planted instance resolves a pool: {lookups:?}");
    assert_eq!(
        (lookups[0]["instance_id"].as_str(), lookups[0]["queries"].as_str()),
        (instance.as_str(), fact("dns_count").as_str())
    );

    for (id, column) in [("crypto-mining-findings", "finding_id"), ("guardduty-high-findings", "finding_id")] {
        let found = rows(&run_entry(lake, id).await);
        assert!(found.iter().any(|r| r[column] == fact("finding_id")), "{ctx}: {id} misses the finding: {found:?}");
        assert!(found.iter().all(|r| r[column] == fact("finding_id")), "{ctx}: {id} returns background: {found:?}");
    }
    let launcher = rows(&run_entry(lake, "mining-dns-launcher").await);
    assert!(launcher.iter().any(|r| r["event_id"] == fact("run_event_id")), "{ctx}: {launcher:?}");
    let around = rows(&run_entry(lake, "finding-instance-dns").await);
    assert_eq!(around.first().map(|r| r["domain"].clone()), Some(fact("domain")), "{ctx}: {around:?}");
    let beacons = rows(&run_entry(lake, "dns-beaconing").await);
    assert!(beacons.iter().any(|r| r["instance_id"] == instance), "{ctx}: {beacons:?}");
    let launched = rows(&run_entry(lake, "launched-instances-with-findings").await);
    assert!(launched.iter().any(|r| r["instance_id"] == instance), "{ctx}: {launched:?}");
}

#[tokio::test]
async fn the_crypto_mining_incident_is_found_by_its_entries_on_every_seed_and_clock() {
    let nows = [
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 1, 15, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap(),
    ];
    for seed in [1, 2, 3, 7, 42] {
        for now in nows {
            assert_found(&lake(seed, now, 4_000)).await;
        }
    }
}

#[tokio::test]
async fn every_findings_and_dns_column_reads_from_the_sample_lake_with_values() {
    let lake = lake(5, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(), 20_000);
    let catalog = Catalog::embedded().unwrap();
    for table in ["findings", "dns"] {
        for col in &catalog.table(table).unwrap().columns {
            let sql = format!("SELECT count({0}) AS n FROM {table} WHERE {0} IS NOT NULL", col.name);
            let r = run_sql(&lake, &sql).await;
            let n = r.rows[0][0].to_string().parse::<i64>().unwrap();
            assert!(n > 0, "{table}.{} is never set", col.name);
        }
    }
}

#[tokio::test]
async fn findings_skew_low_and_dns_has_thousands_of_sources_and_a_long_tail_of_names() {
    let lake = lake(11, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(), 200_000);
    let by = rows(&run_sql(&lake, "SELECT severity_id, count(*) AS n FROM findings GROUP BY severity_id").await);
    let n = |ids: &[&str]| -> i64 {
        by.iter().filter(|r| ids.contains(&r["severity_id"].as_str())).map(|r| r["n"].parse::<i64>().unwrap()).sum()
    };
    assert!(n(&["1", "2"]) > 2 * n(&["4", "5"]) && n(&["1", "2", "3"]) > 4 * n(&["4", "5"]), "{by:?}");
    let products = rows(
        &run_sql(&lake, "SELECT count(DISTINCT product) AS p, count(DISTINCT finding_type) AS t FROM findings").await,
    );
    assert!(
        products[0]["p"].parse::<i64>().unwrap() >= 5 && products[0]["t"].parse::<i64>().unwrap() >= 10,
        "{products:?}"
    );
    let dns = rows(&run_sql(&lake, "SELECT count(DISTINCT src_ip) AS s, count(DISTINCT domain) AS d FROM dns").await);
    assert!(dns[0]["s"].parse::<i64>().unwrap() >= 2_000, "{dns:?}");
    assert!(dns[0]["d"].parse::<i64>().unwrap() >= 100, "{dns:?}");
    let ct = rows(
        &run_sql(
            &lake,
            "SELECT count(DISTINCT api_operation) AS ops, count(DISTINCT source_ip) AS ips FROM cloudtrail",
        )
        .await,
    );
    assert!(ct[0]["ops"].parse::<i64>().unwrap() >= 300, "{ct:?}");
    assert!(ct[0]["ips"].parse::<i64>().unwrap() >= 2_000, "{ct:?}");
    let present = rows(&run_sql(&lake, "SELECT count(DISTINCT api_operation) AS n FROM cloudtrail WHERE api_operation IN ('RunInstances', 'CreateUser', 'TerminateInstances')").await);
    assert_eq!(present[0]["n"], "3");
    let top = rows(
        &run_sql(&lake, "SELECT api_operation, count(*) AS n FROM cloudtrail GROUP BY api_operation ORDER BY n DESC")
            .await,
    );
    let counts: Vec<i64> = top.iter().map(|r| r["n"].parse().unwrap()).collect();
    assert!(
        counts[0] > 50 * counts[counts.len() / 2],
        "skewed: head {} vs median {}",
        counts[0],
        counts[counts.len() / 2]
    );
}
