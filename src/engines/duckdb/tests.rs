//! Every Trino shim runs in DuckDB and gives Trino's answer.

use duckdb::Connection;

use super::shims;

fn conn() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(&shims::install_sql()).unwrap();
    c
}

fn text(sql: &str) -> String {
    conn()
        .query_row(&format!("SELECT CAST(({sql}) AS VARCHAR)"), [], |r| r.get::<_, String>(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn regexp_like_matches_anywhere_in_the_string() {
    assert_eq!(text("regexp_like('APN/1.0 HashiCorp/1.0 Terraform/1.7.5', 'Terraform/[0-9]')"), "true");
    assert_eq!(text("regexp_like('aws-cli/2.15', '^Terraform')"), "false");
}

#[test]
fn json_extract_scalar_and_json_parse_read_json_text() {
    assert_eq!(text(r#"json_extract_scalar('{"userName":"bob","n":{"k":3}}', '$.n.k')"#), "3");
    assert_eq!(text(r#"json_extract_scalar(json_parse('{"a":"x"}'), '$.a')"#), "x");
    assert_eq!(text(r#"json_format(json_parse('{"a": 1}'))"#), r#"{"a":1}"#);
}

#[test]
fn approx_distinct_and_approx_percentile_aggregate() {
    assert_eq!(text("SELECT approx_distinct(x) FROM (VALUES (1), (2), (2), (3)) t(x)"), "3");
    assert_eq!(text("SELECT approx_percentile(x, 0.5) FROM range(1, 102) t(x)"), "51");
}

#[test]
fn iso8601_and_unix_time_conversions_round_trip() {
    assert_eq!(text("CAST(from_iso8601_timestamp('2024-05-01T09:13:27Z') AS TIMESTAMP)"), "2024-05-01 09:13:27");
    assert_eq!(text("from_iso8601_date('2024-05-01')"), "2024-05-01");
    assert_eq!(text("CAST(from_unixtime(1714554807) AS TIMESTAMP)"), "2024-05-01 09:13:27");
    assert_eq!(text("CAST(to_unixtime(TIMESTAMP '2024-05-01 09:13:27') AS BIGINT)"), "1714554807");
    assert_eq!(text("to_iso8601(TIMESTAMP '2024-05-01 09:13:27')"), "2024-05-01T09:13:27.000Z");
}

#[test]
fn date_add_takes_trino_three_arguments_and_keeps_duckdb_two() {
    assert_eq!(text("date_add('day', -7, TIMESTAMP '2024-05-08 00:00:00')"), "2024-05-01 00:00:00");
    assert_eq!(text("date_add('hour', 3, TIMESTAMP '2024-05-01 00:00:00')"), "2024-05-01 03:00:00");
    assert_eq!(text("date_add(DATE '2024-05-01', INTERVAL 1 DAY)"), "2024-05-02 00:00:00");
}

#[test]
fn date_format_date_parse_and_format_datetime_follow_trino_patterns() {
    assert_eq!(text("date_format(TIMESTAMP '2024-05-01 09:03:07', '%Y-%m-%d %H:%i:%s')"), "2024-05-01 09:03:07");
    assert_eq!(text("date_format(TIMESTAMP '2024-05-01 09:03:07', '%Y%m%d')"), "20240501");
    assert_eq!(text("date_parse('2024-05-01 09:03:07', '%Y-%m-%d %H:%M:%S')"), "2024-05-01 09:03:07");
    assert_eq!(text("format_datetime(TIMESTAMP '2024-05-01 09:03:07', 'yyyy-MM-dd HH:mm:ss')"), "2024-05-01 09:03:07");
}

#[test]
fn array_functions_behave_like_trino() {
    assert_eq!(text("array_join(['a', 'b', 'c'], ',')"), "a,b,c");
    assert_eq!(text("cardinality(['a', 'b'])"), "2");
    assert_eq!(text("contains(['arn:a', 'arn:b'], 'arn:b')"), "true");
    assert_eq!(text("contains(['arn:a'], 'arn:b')"), "false");
}

#[test]
fn url_extract_host_returns_the_host() {
    assert_eq!(text("url_extract_host('https://console.aws.amazon.com/console/home?x=1')"), "console.aws.amazon.com");
}

#[test]
fn duckdb_builtins_the_model_uses_keep_working_after_the_shims() {
    assert_eq!(text("date_diff('hour', TIMESTAMP '2024-05-01 00:00:00', TIMESTAMP '2024-05-02 00:00:00')"), "24");
    assert_eq!(text("element_at(['a', 'b'], 2)"), "b");
    assert_eq!(text("element_at(MAP {'readOnly': 'true'}, 'readOnly')"), "true");
    assert_eq!(text("split_part('a/b/c', '/', 2)"), "b");
    assert_eq!(text("date_trunc('day', TIMESTAMP '2024-05-01 09:03:07')"), "2024-05-01 00:00:00");
    assert_eq!(text("SELECT count_if(x > 1) FROM (VALUES (1), (2), (3)) t(x)"), "2");
    assert_eq!(text("strpos('abc', 'c')"), "3");
}

#[test]
fn the_raw_files_engine_cannot_read_outside_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), r#"{"Records":[]}"#).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.csv"), "x\n1\n").unwrap();
    let engine = super::DuckDbEngine::open_cloudtrail_files(dir.path(), &super::DuckDbSettings::default()).unwrap();
    let conn = engine.connection().unwrap();
    let inside: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM read_json('{}/*.json')", dir.path().canonicalize().unwrap().display()),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(inside, 1);
    let err = conn
        .query_row(&format!("SELECT count(*) FROM read_csv('{}/secret.csv')", outside.path().display()), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(
        err.to_string().to_ascii_lowercase().contains("permission") || err.to_string().contains("disabled"),
        "{err}"
    );
}

#[test]
fn the_sample_lake_engine_reads_no_files_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake.duckdb");
    let c = Connection::open(&lake).unwrap();
    c.execute_batch(crate::sample::schema::CLOUDTRAIL_DDL).unwrap();
    c.execute_batch(crate::sample::schema::VPCFLOW_DDL).unwrap();
    drop(c);
    std::fs::write(dir.path().join("secret.csv"), "x\n1\n").unwrap();
    let engine = super::DuckDbEngine::open_sample_lake(&lake, &super::DuckDbSettings::default()).unwrap();
    let conn = engine.connection().unwrap();
    let sql = format!("SELECT count(*) FROM read_csv('{}/secret.csv')", dir.path().display());
    assert!(conn.query_row(&sql, [], |r| r.get::<_, i64>(0)).is_err());
    assert!(conn.execute_batch("CREATE TABLE x (a INT)").is_err(), "the lake is opened read-only");
}

#[test]
fn a_pinned_clock_answers_every_current_time_spelling_and_supports_interval_arithmetic() {
    let c = conn();
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T06:00:00Z").unwrap().to_utc();
    c.execute_batch(&shims::current_time_sql(now)).unwrap();
    let ask = |sql: &str| -> String {
        c.query_row(&format!("SELECT CAST(({sql}) AS VARCHAR)"), [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    for sql in ["current_timestamp", "now()", "CURRENT_TIMESTAMP - INTERVAL '1' DAY + INTERVAL '1' DAY"] {
        assert_eq!(ask(&format!("CAST({sql} AS TIMESTAMP)")), "2026-12-03 06:00:00", "{sql}");
    }
    assert_eq!(ask("current_date"), "2026-12-03");
    assert_eq!(ask("CAST(localtimestamp AS VARCHAR)"), "2026-12-03 06:00:00");
    assert_eq!(ask("CAST(date_add('day', -7, current_timestamp) AS TIMESTAMP)"), "2026-11-26 06:00:00");
}

#[test]
fn an_old_sample_lake_opens_with_every_catalog_table_it_lacks_named_as_off() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("old.duckdb");
    let c = Connection::open(&lake).unwrap();
    c.execute_batch(crate::sample::schema::CLOUDTRAIL_DDL).unwrap();
    c.execute_batch(crate::sample::schema::VPCFLOW_DDL).unwrap();
    let missing = super::source::missing_sample_tables(&c).unwrap();
    drop(c);
    let catalog = crate::catalog::Catalog::embedded().unwrap();
    let want: Vec<String> = catalog
        .tables
        .iter()
        .map(|t| t.v2_table.clone())
        .filter(|t| t != crate::sample::schema::CLOUDTRAIL_TABLE && t != crate::sample::schema::VPCFLOW_TABLE)
        .collect();
    assert!(want.iter().any(|t| t == "sh_findings_2_0"), "the catalog has the newer sources: {want:?}");
    assert_eq!(missing, want, "every catalog table the lake lacks, in catalog order");
    assert!(super::DuckDbEngine::open_sample_lake(&lake, &super::DuckDbSettings::default()).is_ok());
}

#[test]
fn a_lake_without_cloudtrail_is_not_a_sample_lake_and_says_how_to_regenerate() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("other.duckdb");
    let c = Connection::open(&lake).unwrap();
    c.execute_batch(crate::sample::schema::VPCFLOW_DDL).unwrap();
    drop(c);
    let err = super::DuckDbEngine::open_sample_lake(&lake, &super::DuckDbSettings::default()).err().unwrap();
    assert!(err.to_string().contains("asklake sample generate --force"), "{err}");
}
