//! Benchmark: lake (prints numbers). Sample generation rows/s, and query latency through validation + the CTE layer on DuckDB.

#[path = "../tests/api/lake/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use std::time::{Duration, Instant};

use asklake::catalog::Catalog;
use asklake::engines::duckdb::{DuckDbEngine, DuckDbSettings};
use asklake::engines::{ExecOptions, SqlEngine};
use asklake::pipeline::validate::validate;
use asklake::sample::{GenerateOptions, generate};
use chrono::{TimeZone, Utc};

fn main() {
    bench_generation();
    bench_queries();
}

/// Representative security questions, as the model would write them.
const QUERIES: &[(&str, &str)] = &[
    (
        "top source IPs",
        "SELECT source_ip, count(*) AS n FROM cloudtrail WHERE source_ip IS NOT NULL GROUP BY source_ip ORDER BY n DESC LIMIT 10",
    ),
    (
        "root usage",
        "SELECT account_id, api_operation, count(*) AS n FROM cloudtrail WHERE actor_type = 'Root' GROUP BY 1, 2 ORDER BY n DESC",
    ),
    (
        "console logins without MFA",
        "SELECT event_time, actor_arn, source_ip FROM cloudtrail WHERE api_operation = 'ConsoleLogin' AND login_mfa = false ORDER BY event_time DESC",
    ),
    (
        "errors by code",
        "SELECT error_code, count(*) AS n FROM cloudtrail WHERE error_code IS NOT NULL GROUP BY error_code ORDER BY n DESC",
    ),
    (
        "access denied by actor",
        "SELECT actor_arn, count(*) AS n, approx_distinct(api_operation) AS ops FROM cloudtrail WHERE error_code = 'AccessDenied' GROUP BY actor_arn ORDER BY n DESC LIMIT 20",
    ),
    (
        "IAM changes, last day",
        "SELECT event_time, actor_arn, api_operation, json_extract_scalar(request_data, '$.userName') AS target FROM cloudtrail WHERE class_name = 'Account Change' AND event_time > date_add('day', -1, (SELECT max(event_time) FROM cloudtrail)) ORDER BY event_time DESC LIMIT 100",
    ),
    (
        "Terraform activity per hour",
        "SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM cloudtrail WHERE regexp_like(user_agent, 'Terraform') GROUP BY 1 ORDER BY 1",
    ),
    (
        "port-scan pattern",
        "SELECT src_ip, count(DISTINCT dst_port) AS ports, count_if(action = 'Denied') AS denied FROM vpcflow GROUP BY src_ip HAVING count(DISTINCT dst_port) > 20 ORDER BY ports DESC LIMIT 10",
    ),
    (
        "top talkers",
        "SELECT src_ip, dst_ip, sum(bytes) AS total_bytes FROM vpcflow GROUP BY src_ip, dst_ip ORDER BY total_bytes DESC LIMIT 10",
    ),
    (
        "denied inbound by source",
        "SELECT src_ip, count(*) AS attempts, min(dst_port) AS first_port FROM vpcflow WHERE action = 'Denied' AND direction = 'Inbound' GROUP BY 1 ORDER BY attempts DESC LIMIT 20",
    ),
];

const RUNS: usize = 15;

/// Times each query in [`QUERIES`] over a ~200k-row lake and prints the medians.
fn bench_queries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("bench.duckdb");
    let built = Instant::now();
    let (ct, vpc) = build_lake(&lake, 200_000);
    println!("lake: {ct} cloudtrail + {vpc} vpcflow rows, built in {:.1}s", built.elapsed().as_secs_f64());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let engine = DuckDbEngine::open_sample_lake(&lake, &DuckDbSettings::default()).expect("open lake");
    let catalog = Catalog::embedded().expect("catalog");
    println!("\n{:<30} {:>10} {:>10} {:>8}", "query (15 runs)", "median ms", "max ms", "rows");
    for (name, sql) in QUERIES {
        let v = validate(sql, &catalog, engine.binding(), 1000).expect("valid bench query");
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let r = rt.block_on(engine.execute(&v, &ExecOptions::default())).expect("bench query runs");
            times.push(started.elapsed());
            rows = r.rows.len();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{name:<30} {:>10.2} {:>10.2} {rows:>8}", ms(times[RUNS / 2]), ms(times[RUNS - 1]));
    }
}

/// Writes a lake of about `rows` rows (60 % CloudTrail): a generated base, multiplied inside DuckDB with
/// shifted times so the data spans weeks.
fn build_lake(path: &std::path::Path, rows: usize) -> (usize, usize) {
    let copies = 10;
    let ct_base = rows * 6 / 10 / copies;
    let vpc_base = rows * 4 / 10 / copies;
    let evs = fixture::events(ct_base);
    fixture::write_lake(path, &evs, &fixture::vpc_rows(vpc_base, "198.51.100.66"));
    let conn = duckdb::Connection::open(path).expect("reopen lake");
    for table in ["cloud_trail_mgmt_2_0", "vpc_flow_2_0"] {
        conn.execute_batch(&format!(
            "INSERT INTO {table} SELECT t.* REPLACE (t.time_dt + to_days(CAST(k AS INTEGER)) AS time_dt) FROM {table} t, range(1, {copies}) r(k)"
        ))
        .expect("multiply rows");
    }
    let count = |t: &str| -> usize {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).expect("count") as usize
    };
    (count("cloud_trail_mgmt_2_0"), count("vpc_flow_2_0"))
}

/// Generates the default-size lake (with and without raw CloudTrail files) and prints rows/s.
fn bench_generation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("valid time");
    for (label, raw) in [("lake only", false), ("lake + raw CloudTrail files", true)] {
        let out = dir.path().join(format!("bench-{raw}.duckdb"));
        let opts = GenerateOptions {
            out,
            rows: 200_000,
            seed: 42,
            now,
            parquet_dir: None,
            cloudtrail_dir: raw.then(|| dir.path().join(format!("cloudtrail-{raw}"))),
            force: true,
        };
        let started = Instant::now();
        let manifest = generate(&opts).expect("generation succeeds");
        let secs = started.elapsed().as_secs_f64();
        let rows = manifest.cloudtrail_rows + manifest.vpcflow_rows;
        println!(
            "sample generate ({label}): {rows} rows ({} CloudTrail, {} VPC Flow) in {secs:.2} s = {:.0} rows/s",
            manifest.cloudtrail_rows,
            manifest.vpcflow_rows,
            rows as f64 / secs
        );
    }
}
