//! Tests for the lake part of asklake: validation + CTE injection + DuckDB over a sample lake and raw
//! CloudTrail files, the Trino shims end to end, data-source errors, cancellation, row caps and `asklake sql`.

mod fixture;
mod wall;

use std::time::Duration;

use asklake::catalog::Catalog;
use asklake::engines::duckdb::{DuckDbEngine, DuckDbSettings};
use asklake::engines::{ColumnType, EngineError, ExecOptions, QueryResult, SqlEngine, Value};
use asklake::pipeline::validate::{ValidationError, validate};
use fixture::fixture;

fn sample_engine() -> DuckDbEngine {
    DuckDbEngine::open_sample_lake(&fixture().lake, &DuckDbSettings::default()).unwrap()
}

fn raw_engine() -> DuckDbEngine {
    DuckDbEngine::open_cloudtrail_files(
        &fixture().cloudtrail_dir,
        &DuckDbSettings { threads: 2, memory_limit: "1GB".into() },
    )
    .unwrap()
}

async fn run(engine: &DuckDbEngine, sql: &str) -> Result<QueryResult, EngineError> {
    let catalog = Catalog::embedded().unwrap();
    let v = validate(sql, &catalog, engine.binding(), 10_000).unwrap_or_else(|e| panic!("{sql}: {e}"));
    engine.execute(&v, &ExecOptions::default()).await
}

fn sorted_text(r: &QueryResult) -> Vec<String> {
    let mut rows: Vec<String> =
        r.rows.iter().map(|row| row.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(" | ")).collect();
    rows.sort();
    rows
}

/// Security questions over `cloudtrail`, in Athena (Trino) SQL, that both bindings must answer identically.
const SAME_ANSWER_QUERIES: &[&str] = &[
    "SELECT count(*) AS n FROM cloudtrail",
    "SELECT source_ip, count(*) AS n FROM cloudtrail WHERE source_ip IS NOT NULL GROUP BY source_ip ORDER BY n DESC, source_ip LIMIT 10",
    "SELECT event_time, account_id, source_ip, login_mfa FROM cloudtrail WHERE actor_type = 'Root' AND api_operation = 'ConsoleLogin'",
    "SELECT error_code, api_operation, count(*) AS n FROM cloudtrail WHERE error_code IS NOT NULL GROUP BY 1, 2",
    "SELECT actor_name, count(*) AS denied FROM cloudtrail WHERE error_code = 'AccessDenied' GROUP BY actor_name HAVING count(*) >= 2",
    "SELECT json_extract_scalar(request_data, '$.userName') AS target, target_user_name, count(*) AS n FROM cloudtrail WHERE api_service = 'iam.amazonaws.com' GROUP BY 1, 2",
    "SELECT json_extract_scalar(response_data, '$.accessKey.accessKeyId') AS new_key, actor_arn FROM cloudtrail WHERE api_operation = 'CreateAccessKey' AND status = 'Success'",
    "SELECT class_name, status, count(*) AS n FROM cloudtrail GROUP BY class_name, status",
    "SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM cloudtrail WHERE event_time >= from_iso8601_timestamp('2024-05-01T03:00:00Z') AND event_time < date_add('hour', 5, TIMESTAMP '2024-05-01 03:00:00') GROUP BY 1",
    "SELECT actor_arn, approx_distinct(source_ip) AS ips FROM cloudtrail WHERE regexp_like(user_agent, 'Terraform') GROUP BY actor_arn",
    "SELECT arn, event_id FROM cloudtrail CROSS JOIN UNNEST(resource_arns) AS t(arn)",
    "SELECT event_id, cardinality(resource_arns) AS n, session_mfa, read_only, access_key_id, region, event_type FROM cloudtrail WHERE api_operation IN ('StopLogging', 'ListBuckets')",
    "SELECT source_domain, count(*) AS n FROM cloudtrail WHERE source_ip IS NULL GROUP BY source_domain",
    "WITH logins AS (SELECT actor_arn, max(event_time) AS last_login FROM cloudtrail WHERE api_operation = 'ConsoleLogin' GROUP BY actor_arn) SELECT l.actor_arn, l.last_login, count(c.event_id) AS calls FROM logins l JOIN cloudtrail c ON c.actor_arn = l.actor_arn GROUP BY 1, 2",
    "SELECT actor_account_id, actor_principal_id, actor_name, login_to FROM cloudtrail WHERE api_operation = 'ConsoleLogin'",
    "SELECT event_id, transform(resource_arns, x -> upper(x)) AS arns FROM cloudtrail WHERE any_match(resource_arns, x -> x LIKE '%trail/main') AND NOT none_match(resource_arns, x -> x LIKE 'arn:%') AND all_match(resource_arns, x -> x LIKE 'arn:aws:cloudtrail:%')",
];

#[tokio::test]
async fn the_same_queries_give_the_same_rows_over_the_sample_lake_and_raw_files() {
    let (sample, raw) = (sample_engine(), raw_engine());
    for sql in SAME_ANSWER_QUERIES {
        let a = run(&sample, sql).await.unwrap_or_else(|e| panic!("sample lake: {sql}: {e}"));
        let b = run(&raw, sql).await.unwrap_or_else(|e| panic!("raw files: {sql}: {e}"));
        assert!(!a.rows.is_empty(), "{sql} returned no rows; the comparison would prove nothing");
        assert_eq!(a.columns, b.columns, "{sql}");
        assert_eq!(sorted_text(&a), sorted_text(&b), "{sql}");
    }
}

#[tokio::test]
async fn raw_files_read_every_event_including_plain_json_and_skip_digest_files() {
    let r = run(&raw_engine(), "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM cloudtrail").await.unwrap();
    let n = fixture().events as i64;
    assert_eq!(r.rows[0], vec![Value::Int(n), Value::Int(n)]);
}

#[tokio::test]
async fn the_port_scan_shows_up_on_vpcflow_with_many_denied_ports() {
    let sql = "SELECT src_ip, count(DISTINCT dst_port) AS ports, count_if(action = 'Denied') AS denied, min(protocol) AS proto \
               FROM vpcflow GROUP BY src_ip HAVING count(DISTINCT dst_port) > 50 ORDER BY ports DESC";
    let r = run(&sample_engine(), sql).await.unwrap();
    assert_eq!(r.rows.len(), 1, "{:?}", r.rows);
    assert_eq!(r.rows[0][0], Value::Text(fixture().scanner_ip.clone()));
    assert!(matches!(r.rows[0][2], Value::Int(d) if d > 100));
    assert_eq!(r.rows[0][3], Value::Text("TCP".into()));
}

#[tokio::test]
async fn every_vpcflow_column_is_readable_from_the_sample_lake() {
    let catalog = Catalog::embedded().unwrap();
    let cols: Vec<String> = catalog.table("vpcflow").unwrap().columns.iter().map(|c| c.name.clone()).collect();
    let r = run(&sample_engine(), &format!("SELECT {} FROM vpcflow LIMIT 3", cols.join(", "))).await.unwrap();
    assert_eq!(r.columns.len(), cols.len());
    assert_eq!(r.rows.len(), 3);
    let all = run(&sample_engine(), "SELECT * FROM cloudtrail LIMIT 2").await.unwrap();
    assert_eq!(all.columns.len(), catalog.table("cloudtrail").unwrap().columns.len());
}

#[tokio::test]
async fn columns_come_back_typed_with_timestamps_and_lists() {
    let r = run(&sample_engine(), "SELECT event_time, api_operation, resource_arns, login_mfa, 1.5 AS f, count(*) OVER () AS n FROM cloudtrail WHERE api_operation = 'StopLogging' LIMIT 1").await.unwrap();
    let types: Vec<ColumnType> = r.columns.iter().map(|c| c.ty.clone()).collect();
    assert_eq!(types[0], ColumnType::Timestamp);
    assert_eq!(types[1], ColumnType::Text);
    assert!(matches!(types[2], ColumnType::Other(_)), "{types:?}");
    assert_eq!(types[3], ColumnType::Boolean);
    assert_eq!(types[4], ColumnType::Float);
    assert_eq!(types[5], ColumnType::Integer);
    assert!(matches!(r.rows[0][0], Value::Timestamp(t) if t.format("%Y").to_string() == "2024"));
    assert!(matches!(&r.rows[0][2], Value::Text(s) if s.starts_with("[arn:aws:cloudtrail:")), "{:?}", r.rows[0][2]);
}

#[tokio::test]
async fn a_date_comes_back_as_its_text_a_calendar_day_no_zone_can_shift() {
    let r = run(&sample_engine(), "SELECT CAST(event_time AS DATE) AS day FROM cloudtrail LIMIT 1").await.unwrap();
    assert_eq!(r.columns[0].ty, ColumnType::Text);
    assert!(matches!(&r.rows[0][0], Value::Text(s) if s.len() == 10 && s.as_bytes()[4] == b'-'), "{:?}", r.rows[0][0]);
}

#[tokio::test]
async fn the_row_cap_keeps_the_first_rows_and_flags_truncation() {
    let engine = sample_engine();
    let v = validate(
        "SELECT event_id FROM cloudtrail ORDER BY event_id",
        &Catalog::embedded().unwrap(),
        engine.binding(),
        1000,
    )
    .unwrap();
    let r = engine.execute(&v, &ExecOptions { row_cap: 25, ..Default::default() }).await.unwrap();
    assert_eq!(r.rows.len(), 25);
    assert!(r.truncated);
    let r = engine.execute(&v, &ExecOptions { row_cap: 100_000, ..Default::default() }).await.unwrap();
    assert_eq!(r.rows.len(), fixture().events);
    assert!(!r.truncated);
}

/// Slow but valid: validation refuses cartesian products, yet joins on inequalities still explode; the engine's
/// time limit and cancellation are the wall for those.
const SLOW_SQL: &str = "SELECT count(*) AS n FROM cloudtrail a JOIN cloudtrail b ON a.event_id < b.event_id \
     JOIN cloudtrail c ON b.event_id < c.event_id JOIN cloudtrail d ON c.event_id < d.event_id";

#[tokio::test]
async fn a_cancelled_query_stops_promptly_with_cancelled() {
    let engine = sample_engine();
    let v = validate(SLOW_SQL, &Catalog::embedded().unwrap(), engine.binding(), 10).unwrap();
    let opts = ExecOptions::default();
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    assert_eq!(engine.execute(&v, &opts).await.unwrap_err(), EngineError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    // The engine still answers afterwards.
    assert!(run(&engine, "SELECT count(*) FROM cloudtrail").await.is_ok());
}

#[tokio::test]
async fn a_query_over_its_time_limit_is_interrupted_with_timeout() {
    let engine = sample_engine();
    let v = validate(SLOW_SQL, &Catalog::embedded().unwrap(), engine.binding(), 10).unwrap();
    let opts = ExecOptions { timeout: Duration::from_millis(200), ..Default::default() };
    assert_eq!(engine.execute(&v, &opts).await.unwrap_err(), EngineError::Timeout(Duration::from_millis(200)));
}

#[tokio::test]
async fn engine_errors_come_back_as_query_errors_with_the_engine_message() {
    let engine = sample_engine();
    let v = validate("SELECT abs(event_id) AS x FROM cloudtrail", &Catalog::embedded().unwrap(), engine.binding(), 10)
        .unwrap();
    match engine.dry_run(&v).await.unwrap_err() {
        EngineError::Query { message } => assert!(message.contains("abs"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(engine.execute(&v, &ExecOptions::default()).await, Err(EngineError::Query { .. })));
    let ok =
        validate("SELECT api_operation FROM cloudtrail", &Catalog::embedded().unwrap(), engine.binding(), 10).unwrap();
    engine.dry_run(&ok).await.unwrap();
}

#[tokio::test]
async fn unknown_tables_and_columns_are_named_before_reaching_the_engine() {
    let catalog = Catalog::embedded().unwrap();
    let engine = sample_engine();
    match validate("SELECT * FROM cloud_trail_mgmt_2_0", &catalog, engine.binding(), 10).unwrap_err() {
        ValidationError::UnknownTable { table, available } => {
            assert_eq!(table, "cloud_trail_mgmt_2_0");
            assert!(available.starts_with("cloudtrail, vpcflow") && available.contains("findings, dns"), "{available}");
        }
        other => panic!("{other:?}"),
    }
    match validate("SELECT eventname FROM cloudtrail", &catalog, engine.binding(), 10).unwrap_err() {
        ValidationError::UnknownColumn { column, table, .. } => {
            assert_eq!((column.as_str(), table.as_str()), ("eventname", "cloudtrail"))
        }
        other => panic!("{other:?}"),
    }
    match validate("SELECT src_ip FROM vpcflow", &catalog, raw_engine().binding(), 10).unwrap_err() {
        ValidationError::UnknownTable { table, available } => {
            assert!(table.contains("vpcflow") && available == "cloudtrail")
        }
        other => panic!("{other:?}"),
    }
}

fn source_error(result: Result<DuckDbEngine, EngineError>) -> String {
    match result {
        Err(EngineError::Source { message }) => message,
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[test]
fn a_missing_lake_file_says_to_run_sample_generate() {
    let m =
        source_error(DuckDbEngine::open_sample_lake("/nonexistent/lake.duckdb".as_ref(), &DuckDbSettings::default()));
    assert!(m.contains("/nonexistent/lake.duckdb") && m.contains("asklake sample generate"), "{m}");
}

#[test]
fn a_duckdb_file_without_lake_tables_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.duckdb");
    duckdb::Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x INT)").unwrap();
    let m = source_error(DuckDbEngine::open_sample_lake(&path, &DuckDbSettings::default()));
    assert!(m.contains("cloud_trail_mgmt_2_0") && m.contains("sample generate"), "{m}");
}

#[test]
fn a_missing_or_empty_cloudtrail_folder_is_named() {
    let m = source_error(DuckDbEngine::open_cloudtrail_files("/nonexistent/ct".as_ref(), &DuckDbSettings::default()));
    assert!(m.contains("/nonexistent/ct") && m.contains("does not exist"), "{m}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("AWSLogs/empty")).unwrap();
    std::fs::write(dir.path().join("README.txt"), "not a trail").unwrap();
    let m = source_error(DuckDbEngine::open_cloudtrail_files(dir.path(), &DuckDbSettings::default()));
    assert!(m.contains(&dir.path().display().to_string()) && m.contains("no *.json"), "{m}");
}

#[tokio::test]
async fn a_corrupt_json_gz_file_is_a_source_error_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    fixture::write_raw(dir.path(), &fixture::events(20));
    std::fs::write(dir.path().join("broken.json.gz"), b"\x1f\x8b\x08\x00 this is not gzip at all").unwrap();
    let engine = DuckDbEngine::open_cloudtrail_files(dir.path(), &DuckDbSettings::default()).unwrap();
    match run(&engine, "SELECT count(*) FROM cloudtrail").await.unwrap_err() {
        EngineError::Source { message } => {
            assert!(message.contains("CloudTrail files under"), "{message}");
            assert!(message.to_ascii_lowercase().contains("gzip") || message.contains("broken.json.gz"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_json_file_is_a_source_error() {
    let dir = tempfile::tempdir().unwrap();
    fixture::write_gz(&dir.path().join("bad.json.gz"), b"{\"Records\": [ {\"eventName\": ");
    let engine = DuckDbEngine::open_cloudtrail_files(dir.path(), &DuckDbSettings::default()).unwrap();
    assert!(matches!(run(&engine, "SELECT count(*) FROM cloudtrail").await, Err(EngineError::Source { .. })));
}

#[tokio::test]
async fn file_reading_sql_is_refused_while_the_locked_raw_engine_still_reads_its_folder() {
    // Validation refuses read_csv; the engine itself is also locked to the folder.
    let engine = raw_engine();
    let catalog = Catalog::embedded().unwrap();
    assert!(validate("SELECT * FROM read_csv('/etc/passwd')", &catalog, engine.binding(), 10).is_err());
    assert_eq!(
        run(&engine, "SELECT count(*) FROM cloudtrail").await.unwrap().rows[0][0],
        Value::Int(fixture().events as i64)
    );
}

fn asklake(args: &[&str], envs: &[(&str, String)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_asklake"));
    cmd.args(args).env_remove("ASKLAKE_CONFIG").env("RUST_LOG", "error");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.current_dir(std::env::temp_dir()).output().unwrap()
}

#[test]
fn asklake_sql_prints_csv_json_and_an_aligned_table() {
    let env = [("ASKLAKE_DUCKDB__PATH", fixture().lake.display().to_string())];
    let sql = "SELECT actor_type, count(*) AS n FROM cloudtrail WHERE actor_type = 'Root' GROUP BY actor_type";
    let out = asklake(&["sql", sql, "--format", "csv"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("actor_type,n\nRoot,"), "{csv}");
    let out = asklake(&["sql", sql, "--format", "json"], &env);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with(r#"{"actor_type":"Root","n":"#));
    let out = asklake(
        &["sql", "SELECT actor_name, count(*) AS n FROM cloudtrail WHERE actor_name IS NOT NULL GROUP BY 1 ORDER BY 1"],
        &env,
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("관리자"), "{table}");
    assert!(table.lines().nth(1).unwrap().starts_with("------"), "{table}");
}

#[test]
fn asklake_sql_explain_prints_the_ctes_without_data() {
    let out = asklake(
        &["sql", "--explain", "SELECT src_ip FROM vpcflow"],
        &[("ASKLAKE_DUCKDB__PATH", "/nonexistent.duckdb".into())],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("WITH vpcflow AS (SELECT time_dt AS event_time") && text.contains("LIMIT 1000"), "{text}");
}

#[test]
fn asklake_sql_reports_bad_sql_and_missing_data_with_a_next_step() {
    let out = asklake(&["sql", "SELECT sourceipaddress FROM cloudtrail"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown column sourceipaddress") && err.contains("source_ip") && err.contains("hint:"),
        "{err}"
    );
    let out = asklake(
        &["sql", "SELECT count(*) FROM cloudtrail"],
        &[("ASKLAKE_DUCKDB__PATH", "/nonexistent/lake.duckdb".into())],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8(out.stderr).unwrap().contains("asklake sample generate"));
}
