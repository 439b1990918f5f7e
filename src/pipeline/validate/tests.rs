//! Unit tests of validation: what is refused, what passes, and how SQL is rewritten.

use super::*;

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn ok(sql: &str) -> ValidatedSql {
    validate(sql, &catalog(), &Binding::DuckDbSampleLake, 1000).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn err(sql: &str) -> ValidationError {
    match validate(sql, &catalog(), &Binding::DuckDbSampleLake, 1000) {
        Ok(v) => panic!("{sql} passed as {}", v.logical()),
        Err(e) => e,
    }
}

fn not_read_only(sql: &str) -> String {
    match err(sql) {
        ValidationError::NotReadOnly(m) => m,
        other => panic!("{sql}: expected NotReadOnly, got {other:?}"),
    }
}

#[test]
fn a_plain_select_gets_a_limit_and_ctes_for_the_tables_it_reads() {
    let v = ok("SELECT api_operation, count(*) AS n FROM cloudtrail GROUP BY api_operation ORDER BY n DESC");
    assert!(v.logical().ends_with("LIMIT 1000"), "{}", v.logical());
    assert_eq!(v.tables(), ["cloudtrail"]);
    assert_eq!(v.limit(), 1000);
    assert!(v.executable().starts_with("WITH cloudtrail AS (SELECT time_dt AS event_time"), "{}", v.executable());
    assert!(!v.executable().contains("vpcflow AS"));
}

#[test]
fn a_larger_limit_is_lowered_and_a_smaller_one_kept() {
    assert_eq!(ok("SELECT src_ip FROM vpcflow LIMIT 50000").limit(), 1000);
    assert!(ok("SELECT src_ip FROM vpcflow LIMIT 50000").logical().ends_with("LIMIT 1000"));
    assert_eq!(ok("SELECT src_ip FROM vpcflow LIMIT 10").limit(), 10);
    assert_eq!(ok("SELECT src_ip FROM vpcflow FETCH FIRST 5 ROWS ONLY").limit(), 5);
    assert_eq!(ok("SELECT src_ip FROM vpcflow LIMIT 20 OFFSET 5").limit(), 20);
}

#[test]
fn stacked_statements_and_injections_are_refused() {
    assert!(not_read_only("SELECT 1 FROM cloudtrail; DROP TABLE cloudtrail").contains("2 statements"));
    assert!(
        not_read_only("SELECT event_id FROM cloudtrail WHERE region = 'x'; DELETE FROM cloudtrail")
            .contains("statements")
    );
    // A comment does not hide a second statement.
    assert!(
        not_read_only("SELECT event_id FROM cloudtrail /* ; */ ; -- x\n DROP TABLE cloudtrail").contains("statements")
    );
    // A quote-break attempt stays inside a string literal or fails to parse.
    let v = ok("SELECT event_id FROM cloudtrail WHERE actor_name = 'x''; DROP TABLE cloudtrail; --'");
    assert!(v.executable().contains("'x''; DROP TABLE cloudtrail; --'"), "{}", v.executable());
    assert!(matches!(
        err("SELECT event_id FROM cloudtrail WHERE actor_name = 'x'; DROP TABLE cloudtrail; --'"),
        ValidationError::NotReadOnly(_) | ValidationError::Syntax(_)
    ));
}

#[test]
fn writes_ddl_and_session_statements_are_refused() {
    for sql in [
        "INSERT INTO cloudtrail SELECT * FROM cloudtrail",
        "UPDATE cloudtrail SET region = 'x'",
        "DELETE FROM cloudtrail",
        "DROP TABLE cloudtrail",
        "CREATE TABLE x AS SELECT * FROM cloudtrail",
        "ALTER TABLE cloudtrail ADD COLUMN x INT",
        "EXPLAIN SELECT * FROM cloudtrail",
        "EXPLAIN ANALYZE SELECT * FROM cloudtrail",
        "COPY (SELECT * FROM cloudtrail) TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "PRAGMA show_tables",
        "SET threads = 1",
        "CALL pragma_version()",
        "MERGE INTO cloudtrail USING vpcflow ON true WHEN MATCHED THEN DELETE",
        "UNLOAD (SELECT * FROM cloudtrail) TO 's3://bucket/x' WITH (format = 'CSV')",
    ] {
        let e = err(sql);
        assert!(matches!(e, ValidationError::NotReadOnly(_) | ValidationError::Syntax(_)), "{sql}: {e:?}");
    }
    assert!(not_read_only("DROP TABLE cloudtrail").contains("DROP TABLE"));
}

#[test]
fn select_into_and_data_modifying_ctes_are_refused() {
    assert!(not_read_only("SELECT * INTO newtable FROM cloudtrail").contains("INTO"));
    let e = err("WITH x AS (DELETE FROM cloudtrail RETURNING *) SELECT * FROM x");
    assert!(matches!(e, ValidationError::NotReadOnly(_) | ValidationError::Syntax(_)), "{e:?}");
}

#[test]
fn file_reading_table_functions_are_refused() {
    for sql in [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_json('/root/.aws/credentials')",
        "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_text('/etc/shadow')",
        "SELECT * FROM cloudtrail JOIN read_csv('/etc/passwd') ON true",
        "SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) FROM cloudtrail",
        "SELECT getenv('HOME') FROM cloudtrail",
    ] {
        let e = err(sql);
        assert!(matches!(e, ValidationError::NotAllowed(_)), "{sql}: {e:?}");
    }
    assert!(matches!(err("SELECT * FROM '/etc/passwd'"), ValidationError::NotAllowed(_)));
}

#[test]
fn an_unknown_table_is_named_with_the_available_tables() {
    match err("SELECT * FROM amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0") {
        ValidationError::UnknownTable { table, available } => {
            assert_eq!(table, "amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0");
            assert!(available.contains("cloudtrail") && available.contains("vpcflow"), "{available}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(err("SELECT * FROM main.cloudtrail"), ValidationError::NotAllowed(m) if m.contains("not a table name"))
    );
    assert!(matches!(err("SELECT * FROM cloud_trail_mgmt_2_0"), ValidationError::UnknownTable { .. }));
}

#[test]
fn an_unknown_column_is_named_with_the_nearest_catalog_columns() {
    match err("SELECT sourceipaddress FROM cloudtrail") {
        ValidationError::UnknownColumn { table, column, suggestions } => {
            assert_eq!(table, "cloudtrail");
            assert_eq!(column, "sourceipaddress");
            assert!(suggestions.contains("source_ip"), "{suggestions}");
        }
        other => panic!("{other:?}"),
    }
    match err("SELECT event_name FROM cloudtrail") {
        ValidationError::UnknownColumn { suggestions, .. } => {
            assert!(suggestions.contains("api_operation"), "{suggestions}")
        }
        other => panic!("{other:?}"),
    }
    match err("SELECT actor.user.uid FROM cloudtrail") {
        ValidationError::UnknownColumn { column, suggestions, .. } => {
            assert_eq!(column, "actor.user.uid");
            assert!(suggestions.contains("actor_"), "{suggestions}");
        }
        other => panic!("{other:?}"),
    }
    match err("SELECT c.dst_prt FROM vpcflow c") {
        ValidationError::UnknownColumn { table, column, suggestions } => {
            assert_eq!((table.as_str(), column.as_str()), ("vpcflow", "dst_prt"));
            assert!(suggestions.starts_with("dst_port"), "{suggestions}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(err("SELECT src_ip FROM cloudtrail"), ValidationError::UnknownColumn { .. }));
    assert!(matches!(err("SELECT event_id FROM cloudtrail WHERE bogus = 1"), ValidationError::UnknownColumn { .. }));
}

#[test]
fn aliases_joins_ctes_subqueries_unnest_and_lambdas_resolve() {
    for sql in [
        "SELECT c.actor_arn, count(*) AS calls FROM cloudtrail AS c WHERE c.error_code = 'AccessDenied' GROUP BY c.actor_arn ORDER BY calls DESC",
        "SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM cloudtrail GROUP BY 1 HAVING n > 3 ORDER BY hour",
        "WITH logins AS (SELECT source_ip, event_time FROM cloudtrail WHERE api_operation = 'ConsoleLogin') SELECT l.source_ip, max(l.event_time) AS last FROM logins l GROUP BY l.source_ip",
        "SELECT t.ip, t.n FROM (SELECT src_ip AS ip, count(DISTINCT dst_port) AS n FROM vpcflow GROUP BY src_ip) AS t WHERE t.n > 10",
        "SELECT arn, count(*) FROM cloudtrail CROSS JOIN UNNEST(resource_arns) AS u(arn) GROUP BY arn",
        "SELECT event_id FROM cloudtrail WHERE any_match(resource_arns, x -> x LIKE '%prod%')",
        "SELECT event_id FROM cloudtrail WHERE source_ip IN (SELECT src_ip FROM vpcflow WHERE action = 'Denied')",
        "SELECT a.source_ip FROM cloudtrail a JOIN vpcflow v ON a.source_ip = v.src_ip WHERE v.dst_port = 22",
        "SELECT event_id FROM cloudtrail c WHERE EXISTS (SELECT 1 FROM vpcflow v WHERE v.src_ip = c.source_ip)",
        "SELECT * FROM cloudtrail WHERE event_time > current_timestamp - INTERVAL '7' DAY",
        "SELECT json_extract_scalar(request_data, '$.userName') AS u FROM cloudtrail WHERE regexp_like(user_agent, 'Terraform')",
        "SELECT src_ip FROM vpcflow UNION ALL SELECT source_ip FROM cloudtrail ORDER BY 1",
        "SELECT EVENT_ID, \"region\" FROM CloudTrail",
        "SELECT count(*) FILTER (WHERE status = 'Failure') AS failures FROM cloudtrail",
        "SELECT resource_arns[1] AS first_arn FROM cloudtrail",
        "SELECT actor_arn, row_number() OVER (PARTITION BY account_id ORDER BY event_time DESC) AS rn FROM cloudtrail",
    ] {
        ok(sql);
    }
}

#[test]
fn a_user_cte_named_like_a_catalog_table_is_refused() {
    match err("WITH cloudtrail AS (SELECT 1 AS x) SELECT x FROM cloudtrail") {
        ValidationError::Syntax(m) => assert!(m.contains("cloudtrail"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn user_ctes_survive_next_to_the_binding_ctes() {
    let v = ok("WITH x AS (SELECT api_operation FROM cloudtrail) SELECT api_operation FROM x");
    let e = v.executable();
    assert!(e.starts_with("WITH cloudtrail AS ("), "{e}");
    assert!(e.contains("x AS (SELECT api_operation FROM cloudtrail)"), "{e}");
    assert_eq!(v.tables(), ["cloudtrail"]);
    assert!(v.logical().starts_with("WITH x AS"));
}

#[test]
fn raw_files_refuse_vpcflow_by_name() {
    let b = Binding::DuckDbCloudTrailFiles { dir: "/data/ct".into() };
    match validate("SELECT src_ip FROM vpcflow", &catalog(), &b, 100) {
        Err(ValidationError::UnknownTable { table, available }) => {
            assert!(table.contains("vpcflow"), "{table}");
            assert_eq!(available, "cloudtrail");
        }
        other => panic!("{other:?}"),
    }
    let v = validate("SELECT api_operation FROM cloudtrail", &catalog(), &b, 100).unwrap();
    assert!(v.executable().contains("read_json('/data/ct/**/*.json*'"), "{}", v.executable());
}

#[test]
fn syntax_errors_and_empty_sql_are_reported() {
    assert!(matches!(err("SELEC event_id FROM cloudtrail"), ValidationError::Syntax(_)));
    assert!(matches!(err("   "), ValidationError::Syntax(_)));
    assert!(matches!(err("SELECT event_id FROM cloudtrail WHERE"), ValidationError::Syntax(_)));
}

#[test]
fn levenshtein_counts_edits() {
    assert_eq!(suggest::levenshtein("dst_prt", "dst_port"), 1);
    assert_eq!(suggest::levenshtein("", "abc"), 3);
}

#[test]
fn trino_lambda_functions_are_rewritten_for_duckdb_only() {
    let sql = "SELECT transform(resource_arns, x -> upper(x)) AS a FROM cloudtrail WHERE any_match(resource_arns, x -> x LIKE '%prod%')";
    let v = ok(sql);
    assert!(v.logical().contains("transform(") && v.logical().contains("any_match("), "{}", v.logical());
    assert!(
        v.executable().contains("list_transform(") && v.executable().contains("list_bool_or("),
        "{}",
        v.executable()
    );
    let athena = Binding::AthenaSecurityLake {
        database: "db".into(),
        lake_region: "us_east_1".into(),
        source_version: crate::catalog::SourceVersion::V2,
    };
    let a = validate(sql, &catalog(), &athena, 10).unwrap();
    assert!(a.executable().contains("any_match(") && !a.executable().contains("list_bool_or"), "{}", a.executable());
}

#[test]
fn on_source_version_1_a_column_v1_lacks_is_refused_by_name_with_what_is_available() {
    let c = catalog();
    let v1 = Binding::AthenaSecurityLake {
        database: "db".into(),
        lake_region: "us_east_1".into(),
        source_version: crate::catalog::SourceVersion::V1,
    };
    let sql = "SELECT json_extract_scalar(t.request_data, '$.userName') FROM cloudtrail t";
    let err = validate(sql, &c, &v1, 100).unwrap_err().to_string();
    assert!(err.contains("cloudtrail.request_data is not available over Athena"), "{err}");
    assert!(err.contains("source version 1") && err.contains("actor_arn"), "{err}");
    let ok = validate("SELECT actor_arn FROM cloudtrail", &c, &v1, 100).unwrap();
    assert!(ok.executable().contains("actor.user.uuid AS actor_arn"), "{}", ok.executable());
    assert!(ok.executable().contains("_cloud_trail_mgmt_1_0\""), "{}", ok.executable());
}
