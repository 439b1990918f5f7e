//! Unit tests of the safety wall: the issue's attacks, resource exhaustion, joins, and dialect rules.

use super::*;

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn athena() -> Binding {
    Binding::AthenaSecurityLake {
        database: "db".into(),
        lake_region: "us_east_1".into(),
        source_version: crate::catalog::SourceVersion::V2,
    }
}

fn bindings() -> [Binding; 2] {
    [Binding::DuckDbSampleLake, athena()]
}

fn refused_on(sql: &str, binding: &Binding) -> ValidationError {
    match validate(sql, &catalog(), binding, 1000) {
        Ok(v) => panic!("{sql} passed on {binding:?} as {}", v.executable()),
        Err(e) => e,
    }
}

/// Refused as not allowed on every engine; returns the DuckDB message.
fn not_allowed(sql: &str) -> String {
    let mut first = None;
    for b in bindings() {
        match refused_on(sql, &b) {
            ValidationError::NotAllowed(m) => {
                first.get_or_insert(m);
            }
            other => panic!("{sql} on {b:?}: expected NotAllowed, got {other:?}"),
        }
    }
    first.unwrap()
}

fn passes_on(sql: &str, binding: &Binding) -> ValidatedSql {
    validate(sql, &catalog(), binding, 1000).unwrap_or_else(|e| panic!("{sql} on {binding:?}: {e}"))
}

/// What the issue saw run through `SELECT * REPLACE (…)`: settings, attached databases, arbitrary SQL, file paths.
const LEAKS: [&str; 4] = [
    "(SELECT string_agg(name || '=' || value, ',') FROM duckdb_settings())",
    "(SELECT string_agg(path, ',') FROM duckdb_databases())",
    "(SELECT string_agg(CAST(x AS VARCHAR), ',') FROM query('SELECT 42 AS x'))",
    "(SELECT string_agg(file, ',') FROM glob('/etc/*'))",
];

#[test]
fn a_subquery_in_a_wildcard_replace_cannot_read_settings_databases_queries_or_files() {
    for leak in LEAKS {
        let m = not_allowed(&format!("SELECT * REPLACE ({leak} AS region) FROM cloudtrail"));
        assert!(m.contains("wildcard") && m.contains("list the columns"), "{m}");
        let qualified = not_allowed(&format!("SELECT c.* REPLACE ({leak} AS region) FROM cloudtrail c"));
        assert!(qualified.contains("wildcard"), "{qualified}");
    }
    for option in ["EXCLUDE (region)", "RENAME (region AS r)", "EXCEPT (region)", "ILIKE '%id%'"] {
        let m = not_allowed(&format!("SELECT * {option} FROM cloudtrail"));
        assert!(m.contains("wildcard"), "{option}: {m}");
    }
    assert!(passes_on("SELECT * FROM cloudtrail", &athena()).executable().contains("SELECT * FROM cloudtrail"));
}

#[test]
fn the_leaking_functions_are_refused_in_every_position_because_they_are_not_allowed() {
    let calls = [
        "duckdb_settings()",
        "duckdb_databases()",
        "query('SELECT 1')",
        "glob('/etc/*')",
        "current_setting('home_directory')",
        "getenv('HOME')",
        "read_text('/etc/passwd')",
        "json_execute_serialized_sql('x')",
    ];
    let positions = [
        "SELECT {} AS x FROM cloudtrail",
        "SELECT event_id FROM cloudtrail WHERE {} IS NOT NULL",
        "SELECT c.event_id FROM cloudtrail c JOIN vpcflow v ON c.source_ip = v.src_ip AND {} IS NULL",
        "SELECT count(*) AS n FROM cloudtrail GROUP BY {}",
        "SELECT count(*) AS n FROM cloudtrail HAVING max({}) IS NULL",
        "SELECT event_id FROM cloudtrail ORDER BY {}",
        "SELECT event_id FROM cloudtrail LIMIT {}",
        "SELECT row_number() OVER (PARTITION BY {} ORDER BY event_time) AS rn FROM cloudtrail",
        "WITH x AS (SELECT {} AS y FROM cloudtrail) SELECT y FROM x",
        "SELECT * FROM (VALUES ({})) AS t(x)",
        "SELECT event_id FROM cloudtrail WHERE any_match(resource_arns, a -> a = {})",
        "SELECT CASE WHEN region = 'x' THEN {} END AS x FROM cloudtrail",
        "SELECT coalesce(region, {}) AS x FROM cloudtrail",
        "SELECT event_id FROM cloudtrail WHERE region IN ('a', {})",
        "SELECT arn FROM cloudtrail CROSS JOIN UNNEST(ARRAY[{}]) AS t(arn)",
    ];
    for call in calls {
        let name = &call[..call.find('(').unwrap()];
        for position in positions {
            let m = not_allowed(&position.replace("{}", call));
            assert!(m.contains(&format!("`{name}`")) && m.contains("allowed functions"), "{position} / {call}: {m}");
        }
    }
}

#[test]
fn a_recursive_cte_named_like_a_file_cannot_read_that_file() {
    for sql in [
        r#"WITH RECURSIVE "events.json.gz" AS (SELECT * FROM "events.json.gz") SELECT * FROM "events.json.gz""#,
        r#"WITH RECURSIVE x AS (SELECT * FROM "2024/05/01/trail.json.gz") SELECT * FROM x"#,
        "WITH RECURSIVE logins AS (SELECT * FROM logins) SELECT * FROM logins",
    ] {
        let m = not_allowed(sql);
        assert!(m.contains("WITH RECURSIVE") || m.contains("not a table name"), "{sql}: {m}");
    }
}

#[test]
fn quoted_paths_and_names_that_are_neither_tables_nor_earlier_ctes_are_refused() {
    for sql in [
        "SELECT * FROM 'x.json.gz'",
        r#"SELECT * FROM "file.parquet""#,
        r#"SELECT * FROM "/etc/passwd""#,
        "SELECT * FROM `cloudtrail`",
        "SELECT * FROM main.cloudtrail",
        r#"SELECT c.event_id FROM cloudtrail c JOIN "s3://bucket/x.csv" f ON c.event_id = f.id"#,
    ] {
        let e = refused_on(sql, &Binding::DuckDbSampleLake);
        assert!(matches!(e, ValidationError::NotAllowed(ref m) if m.contains("not a table name")), "{sql}: {e:?}");
    }
    // A CTE is visible only after it is defined, and only inside its query.
    for sql in [
        "WITH a AS (SELECT * FROM b), b AS (SELECT event_id FROM cloudtrail) SELECT * FROM a",
        "SELECT * FROM (WITH x AS (SELECT event_id FROM cloudtrail) SELECT * FROM x) AS t JOIN x ON t.event_id = x.event_id",
        "SELECT * FROM events",
    ] {
        let e = refused_on(sql, &Binding::DuckDbSampleLake);
        assert!(matches!(e, ValidationError::UnknownTable { .. }), "{sql}: {e:?}");
    }
    passes_on(r#"SELECT "event_id" FROM "cloudtrail""#, &athena());
    passes_on(
        "WITH a AS (SELECT event_id FROM cloudtrail), b AS (SELECT event_id FROM a) SELECT event_id FROM b",
        &athena(),
    );
}

#[test]
fn table_functions_and_scalar_row_generators_are_refused() {
    for sql in [
        "SELECT * FROM range(100000000000)",
        "SELECT count(*) AS n FROM cloudtrail WHERE cardinality(range(100000000000)) > 0",
        "SELECT length(repeat('x', 2000000000)) AS n FROM cloudtrail",
        "SELECT lpad('x', 2000000000, 'y') AS n FROM cloudtrail",
        "SELECT generate_series(1, 100000000000) AS n FROM cloudtrail",
        "SELECT sequence(1, 100000000000) AS n FROM cloudtrail",
        "SELECT unnest(resource_arns) AS arn FROM cloudtrail",
        "SELECT * FROM cloudtrail, read_json('/root/.aws/credentials')",
        "SELECT * FROM TABLE(glob('/etc/*'))",
    ] {
        let m = not_allowed(sql);
        assert!(["allowed", "table function", "FROM", "JOIN"].iter().any(|w| m.contains(w)), "{sql}: {m}");
    }
}

#[test]
fn cartesian_products_are_refused_and_unnest_cross_joins_stay_allowed() {
    for sql in [
        "SELECT count(*) AS n FROM cloudtrail a CROSS JOIN cloudtrail b",
        "SELECT count(*) AS n FROM cloudtrail a CROSS JOIN vpcflow b CROSS JOIN vpcflow c",
        "SELECT count(*) AS n FROM cloudtrail a, vpcflow b",
        "SELECT count(*) AS n FROM cloudtrail a, vpcflow b WHERE a.source_ip = b.src_ip",
        "SELECT count(*) AS n FROM cloudtrail a JOIN vpcflow b ON true",
        "SELECT count(*) AS n FROM cloudtrail a LEFT JOIN vpcflow b ON 1 = 1",
        "SELECT count(*) AS n FROM cloudtrail a NATURAL JOIN vpcflow b",
        "SELECT count(*) AS n FROM (cloudtrail a CROSS JOIN vpcflow b)",
        "WITH x AS (SELECT source_ip FROM cloudtrail) SELECT count(*) AS n FROM x CROSS JOIN x AS y",
        "SELECT count(*) AS n FROM cloudtrail CROSS JOIN (SELECT max(event_time) AS t FROM cloudtrail) m",
    ] {
        let m = not_allowed(sql);
        assert!(m.contains("JOIN … ON") || m.contains("join"), "{sql}: {m}");
    }
    for sql in [
        "SELECT arn, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resource_arns) AS t(arn) GROUP BY arn",
        "SELECT arn FROM cloudtrail c, UNNEST(c.resource_arns) AS t(arn)",
        "SELECT arn FROM cloudtrail LEFT JOIN UNNEST(resource_arns) AS t(arn) ON true",
        "SELECT a.source_ip FROM cloudtrail a JOIN vpcflow v ON a.source_ip = v.src_ip",
        "SELECT count(*) AS n FROM cloudtrail a JOIN cloudtrail b USING (event_id)",
    ] {
        for b in bindings() {
            passes_on(sql, &b);
        }
    }
}

#[test]
fn athena_refuses_select_list_aliases_in_group_by_and_having_where_duckdb_accepts_them() {
    for (sql, clause) in [
        ("SELECT api_operation AS op, count(*) AS n FROM cloudtrail GROUP BY op", "GROUP BY"),
        ("SELECT date_trunc('hour', event_time) AS h, count(*) AS n FROM cloudtrail GROUP BY h ORDER BY h", "GROUP BY"),
        ("SELECT actor_arn, count(*) AS n FROM cloudtrail GROUP BY actor_arn HAVING n > 3", "HAVING"),
    ] {
        match refused_on(sql, &athena()) {
            ValidationError::NotAllowed(m) => {
                assert!(m.contains(clause) && m.contains("repeat the aliased expression"), "{sql}: {m}");
            }
            other => panic!("{sql}: {other:?}"),
        }
        passes_on(sql, &Binding::DuckDbSampleLake);
    }
    // What Athena runs: positions, repeated expressions, ORDER BY aliases, and an alias that is also a column.
    for sql in [
        "SELECT api_operation AS op, count(*) AS n FROM cloudtrail GROUP BY 1 HAVING count(*) > 3 ORDER BY n DESC",
        "SELECT date_trunc('hour', event_time) AS h, count(*) AS n FROM cloudtrail GROUP BY date_trunc('hour', event_time)",
        "SELECT lower(region) AS region, count(*) AS n FROM cloudtrail GROUP BY region",
    ] {
        passes_on(sql, &athena());
    }
}

#[test]
fn qualify_and_ilike_are_refused_on_athena_only_and_at_time_zone_on_duckdb_only() {
    let qualify = "SELECT actor_arn, event_time FROM cloudtrail \
                   QUALIFY row_number() OVER (PARTITION BY actor_arn ORDER BY event_time DESC) = 1";
    assert!(matches!(refused_on(qualify, &athena()), ValidationError::NotAllowed(m) if m.contains("QUALIFY")));
    passes_on(qualify, &Binding::DuckDbSampleLake);
    let ilike = "SELECT event_id FROM cloudtrail WHERE user_agent ILIKE '%terraform%'";
    assert!(matches!(refused_on(ilike, &athena()), ValidationError::NotAllowed(m) if m.contains("lower(")));
    passes_on(ilike, &Binding::DuckDbSampleLake);
    let zone = "SELECT event_time AT TIME ZONE 'Asia/Seoul' AS kst FROM cloudtrail";
    passes_on(zone, &athena());
    assert!(
        matches!(refused_on(zone, &Binding::DuckDbSampleLake), ValidationError::NotAllowed(m) if m.contains("INTERVAL '9' HOUR"))
    );
}

#[test]
fn a_function_of_the_other_engine_is_refused_with_its_replacement() {
    let on_duckdb = refused_on(
        "SELECT hour(at_timezone(event_time, 'Asia/Seoul')) AS h FROM cloudtrail",
        &Binding::DuckDbSampleLake,
    );
    assert!(
        matches!(&on_duckdb, ValidationError::NotAllowed(m) if m.contains("DuckDB has no function `at_timezone`") && m.contains("INTERVAL '9' HOUR")),
        "{on_duckdb:?}"
    );
    let on_athena = refused_on("SELECT strftime(event_time, '%Y') AS y FROM cloudtrail", &athena());
    assert!(
        matches!(&on_athena, ValidationError::NotAllowed(m) if m.contains("Athena (Trino) has no function `strftime`") && m.contains("date_format")),
        "{on_athena:?}"
    );
    let typo = refused_on("SELECT aprox_distinct(source_ip) AS n FROM cloudtrail", &athena());
    assert!(
        matches!(&typo, ValidationError::NotAllowed(m) if m.contains("closest allowed: approx_distinct")),
        "{typo:?}"
    );
}

#[test]
fn other_dialects_constructs_are_refused_with_the_standard_form() {
    for sql in [
        "SELECT event_id::VARCHAR AS x FROM cloudtrail",
        "SELECT DISTINCT ON (actor_arn) actor_arn, event_time FROM cloudtrail",
        "SELECT actor_arn, count(*) AS n FROM cloudtrail GROUP BY ALL",
        "SELECT TOP 5 event_id FROM cloudtrail",
        "SELECT {'a': 1} AS d FROM cloudtrail",
        "SELECT event_id FROM cloudtrail WHERE region SIMILAR TO 'us%'",
        "SELECT event_id FROM cloudtrail WHERE region = ?",
        "SELECT main.lower(region) AS r FROM cloudtrail",
        "SELECT event_id FROM cloudtrail UNION BY NAME SELECT src_ip AS event_id FROM vpcflow",
    ] {
        not_allowed(sql);
    }
}

#[test]
fn every_duckdb_shim_is_allowed_on_duckdb_and_the_rewrite_targets_too() {
    for (name, _) in crate::engines::duckdb::shims::TRINO_SHIMS {
        assert!(allow::is_allowed(name, Dialect::DuckDb), "shim {name} is not on the DuckDB allow-list");
    }
    let v = passes_on(
        "SELECT transform(resource_arns, x -> upper(x)) AS a FROM cloudtrail WHERE none_match(resource_arns, x -> x = 'y')",
        &Binding::DuckDbSampleLake,
    );
    assert!(v.executable().contains("list_bool_or(list_transform("), "{}", v.executable());
}

#[test]
fn every_verified_library_query_passes_on_athena_and_the_sample_lake() {
    let library = crate::library::Library::embedded().unwrap();
    let now = chrono::Utc::now();
    assert!(library.entries().len() > 50);
    for entry in library.entries() {
        let values = crate::library::params::defaults_with_examples(entry, now);
        let sql = crate::library::params::render(&entry.sql, &values).unwrap();
        for b in bindings() {
            passes_on(&sql, &b);
        }
    }
}

#[test]
fn every_function_allowed_on_duckdb_exists_in_duckdb_natively_or_as_a_shim() {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&crate::engines::duckdb::shims::install_sql()).unwrap();
    let mut stmt = conn.prepare("SELECT DISTINCT lower(function_name) FROM duckdb_functions()").unwrap();
    let known: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    // Special forms DuckDB's parser handles itself: not in duckdb_functions(), but they run.
    let special = ["coalesce", "if", "current_timestamp"];
    conn.execute_batch("SELECT coalesce(NULL, 1), if(true, 1, 2), current_timestamp").unwrap();
    let missing: Vec<&str> = allow::FUNCTIONS
        .iter()
        .filter(|(f, _)| allow::is_allowed(f, Dialect::DuckDb))
        .map(|(f, _)| *f)
        .filter(|f| !known.iter().any(|k| k == f) && !special.contains(f) && !dialect::REWRITTEN.contains(f))
        .collect();
    assert!(missing.is_empty(), "allowed on DuckDB but unknown to it: {missing:?}");
}
