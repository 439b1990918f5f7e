//! Property tests: hostile queries made by mutating the AST of valid ones never pass validation, and whatever passes
//! sends the engine only allowed functions and relations. Each property prints how many cases it tried.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlparser::ast::{Query, Select, SetExpr, VisitMut};

use super::*;

mod ast;

use ast::{
    EditSelect, SwapTable, calls_and_relations, count_selects, cte_names, first_relation, parse, table_count,
    user_part, wrap_nth_expression,
};

fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::embedded().unwrap());
    &CATALOG
}

fn binding(athena: bool) -> Binding {
    if athena {
        Binding::AthenaSecurityLake {
            database: "db".into(),
            lake_region: "us_east_1".into(),
            source_version: crate::catalog::SourceVersion::V2,
        }
    } else {
        Binding::DuckDbSampleLake
    }
}

/// Valid queries to mutate: every verified library query, plus forms the library lacks.
static SEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let library = crate::library::Library::embedded().unwrap();
    let now = chrono::Utc::now();
    let mut seeds: Vec<String> = library
        .entries()
        .iter()
        .map(|e| {
            let values = crate::library::params::defaults_with_examples(e, now);
            crate::library::params::render(&e.sql, &values).unwrap()
        })
        .collect();
    seeds.extend(EXTRA_SEEDS.iter().map(|s| (*s).to_owned()));
    for sql in &seeds {
        for athena in [false, true] {
            validate(sql, catalog(), &binding(athena), 1000).unwrap_or_else(|e| panic!("seed {sql}: {e}"));
        }
    }
    seeds
});

const EXTRA_SEEDS: &[&str] = &[
    "WITH l AS (SELECT actor_arn, max(event_time) AS t FROM cloudtrail GROUP BY actor_arn) SELECT l.actor_arn, l.t, count(c.event_id) AS n FROM l JOIN cloudtrail c ON c.actor_arn = l.actor_arn GROUP BY 1, 2 ORDER BY n DESC LIMIT 10",
    "SELECT arn, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resource_arns) AS t(arn) WHERE event_time > current_timestamp - INTERVAL '7' DAY GROUP BY arn",
    "SELECT event_id FROM cloudtrail WHERE any_match(resource_arns, x -> x LIKE '%prod%') AND regexp_like(user_agent, 'aws-cli')",
    "SELECT actor_arn, row_number() OVER (PARTITION BY account_id ORDER BY event_time DESC) AS rn FROM cloudtrail",
    "SELECT t.ip FROM (SELECT src_ip AS ip, count(DISTINCT dst_port) AS n FROM vpcflow GROUP BY src_ip) AS t WHERE t.n > 10",
    "SELECT event_id FROM cloudtrail c WHERE EXISTS (SELECT 1 FROM vpcflow v WHERE v.src_ip = c.source_ip) ORDER BY event_id LIMIT 5",
    "SELECT x FROM (VALUES (1), (2)) AS v(x)",
    "SELECT src_ip FROM vpcflow UNION ALL SELECT source_ip FROM cloudtrail ORDER BY 1",
    "SELECT CASE WHEN status = 'Failure' THEN 'bad' ELSE coalesce(error_code, 'ok') END AS s, CAST(event_time AS DATE) AS d FROM cloudtrail",
];

/// DuckDB and Trino functions that are not on the allow-list: files, settings, catalogs, generators, blow-ups.
#[rustfmt::skip]
const FORBIDDEN: &[&str] = &[
    "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson", "read_parquet", "read_text",
    "read_blob", "parquet_scan", "parquet_metadata", "parquet_schema", "glob", "query", "query_table",
    "duckdb_settings", "duckdb_databases", "duckdb_tables", "duckdb_columns", "duckdb_functions", "duckdb_extensions",
    "duckdb_secrets", "duckdb_temporary_files", "current_setting", "getenv", "pragma_version", "pragma_database_size",
    "range", "generate_series", "sequence", "repeat", "lpad", "rpad", "array_repeat", "unnest", "sniff_csv",
    "iceberg_scan", "delta_scan", "sqlite_scan", "postgres_scan", "http_get", "which_secret", "current_database",
    "current_schema", "version", "enum_range", "struct_pack", "json_execute_serialized_sql", "json_serialize_sql",
    "json_deserialize_sql", "printf", "format", "typeof", "hash", "md5", "sha256", "random", "uuid",
    "gen_random_uuid", "setseed", "nextval", "currval", "pg_typeof", "from_base64", "url_decode", "list_value",
    "string_agg", "system_runtime", "load_extension", "csv_scan", "to_json", "list_reduce", "array_agg_distinct",
    "map_from_entries", "zip_with", "reduce", "strptime_tz", "icu_sort_key", "arrow_scan",
];

fn forbidden_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FORBIDDEN).prop_map(str::to_owned),
        1 => "[a-z][a-z0-9_]{2,14}".prop_map(|s| s),
    ]
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn seed(i: usize) -> Box<Query> {
    parse(&SEEDS[i % SEEDS.len()]).expect("seeds parse")
}

/// Runs `property` `cases` times over seeds, bindings and `extra`; returns how many cases ran to the end.
fn run<S: Strategy>(
    cases: u32,
    extra: S,
    property: impl Fn(Box<Query>, Binding, S::Value) -> Result<bool, TestCaseError>,
) -> usize {
    let tried = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(config(cases));
    runner
        .run(&(any::<usize>(), any::<bool>(), extra), |(i, athena, value)| {
            if property(seed(i), binding(athena), value)? {
                tried.set(tried.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tried.get()
}

fn refusal(sql: &str, binding: &Binding) -> Result<ValidationError, TestCaseError> {
    match validate(sql, catalog(), binding, 1000) {
        Ok(v) => Err(TestCaseError::fail(format!("passed on {binding:?}: {sql}\n→ {}", v.executable()))),
        Err(e) => Ok(e),
    }
}

#[test]
fn a_forbidden_function_call_anywhere_in_a_valid_query_is_refused() {
    let tried = run(768, (forbidden_name(), any::<usize>()), |mut q, b, (name, n)| {
        if allow::is_allowed(&name, dialect_of(&b)) || !wrap_nth_expression(&mut q, n, &name) {
            return Ok(false);
        }
        let sql = q.to_string();
        if parse(&sql).is_none() {
            return Ok(false); // the name is a keyword; the parser refuses it before the wall.
        }
        match refusal(&sql, &b)? {
            ValidationError::NotAllowed(m) if m.contains(&format!("`{name}`")) => Ok(true),
            other => Err(TestCaseError::fail(format!("{sql}: refused for another reason: {other:?}"))),
        }
    });
    eprintln!("forbidden calls: {tried} hostile queries refused");
    assert!(tried > 600, "only {tried} cases ran");
}

fn hostile_relation() -> impl Strategy<Value = String> {
    let path = "[a-z0-9_/-]{1,16}\\.(json|json\\.gz|parquet|csv|duckdb)";
    prop_oneof![
        path.prop_map(|p| format!("\"{p}\"")),
        path.prop_map(|p| format!("'{p}'")),
        path.prop_map(|p| format!("\"/tmp/{p}\"")),
        "[a-z][a-z0-9_]{2,12}".prop_map(|s| format!("{s}.cloudtrail")),
        "[a-z][a-z0-9_]{2,12}".prop_map(|s| format!("x_{s}")),
        // `FROM unnest(…)` is the allowed UNNEST relation, not a table function.
        (prop::sample::select(FORBIDDEN).prop_filter("UNNEST", |f| *f != "unnest"), path)
            .prop_map(|(f, p)| format!("{f}('{p}')")),
    ]
}

#[test]
fn a_table_replaced_by_a_path_an_unknown_name_or_a_table_function_is_refused() {
    let tried = run(384, (hostile_relation(), any::<usize>()), |mut q, b, (relation, n)| {
        let Some(replacement) = parse(&format!("SELECT 1 FROM {relation}")).and_then(|p| first_relation(&p)) else {
            return Ok(false);
        };
        let tables = table_count(&q);
        if tables == 0 {
            return Ok(false); // a seed over VALUES only
        }
        let mut swap = SwapTable { target: n % tables, seen: 0, replacement };
        let _ = VisitMut::visit(&mut *q, &mut swap);
        let sql = q.to_string();
        match refusal(&sql, &b)? {
            ValidationError::NotAllowed(_) | ValidationError::UnknownTable { .. } => Ok(true),
            other => Err(TestCaseError::fail(format!("{sql}: {other:?}"))),
        }
    });
    eprintln!("hostile relations: {tried} hostile queries refused");
    assert!(tried > 300, "only {tried} cases ran");
}

fn wildcard_option() -> impl Strategy<Value = String> {
    let expr = prop_oneof![
        forbidden_name().prop_map(|f| format!("{f}('x')")),
        Just("upper(region)".to_owned()),
        forbidden_name().prop_map(|f| format!("(SELECT count(*) FROM {f}('/etc'))")),
    ];
    prop_oneof![
        expr.prop_map(|e| format!("* REPLACE ({e} AS region)")),
        Just("* EXCLUDE (region)".to_owned()),
        Just("* RENAME (region AS r)".to_owned()),
        Just("* EXCEPT (region)".to_owned()),
        Just("* ILIKE '%id%'".to_owned()),
    ]
}

#[test]
fn wildcard_options_spliced_into_any_select_are_refused() {
    let tried = run(256, (wildcard_option(), any::<usize>(), any::<usize>()), |mut q, b, (option, n, at)| {
        let Some(item) = parse(&format!("SELECT {option} FROM t")).and_then(|p| match *p.body {
            SetExpr::Select(s) => s.projection.into_iter().next(),
            _ => None,
        }) else {
            return Ok(false);
        };
        let selects = count_selects(&q);
        let mut edit = EditSelect {
            target: n % selects,
            seen: 0,
            edit: |s: &mut Select| {
                let at = at % (s.projection.len() + 1);
                s.projection.insert(at, item.clone());
            },
        };
        let _ = VisitMut::visit(&mut *q, &mut edit);
        let sql = q.to_string();
        match refusal(&sql, &b)? {
            ValidationError::NotAllowed(_) => Ok(true),
            other => Err(TestCaseError::fail(format!("{sql}: {other:?}"))),
        }
    });
    eprintln!("wildcard options: {tried} hostile queries refused");
    assert!(tried > 200, "only {tried} cases ran");
}

#[test]
fn recursive_ctes_and_cartesian_products_added_to_any_query_are_refused() {
    let name = prop_oneof![
        "[a-z][a-z0-9_]{2,10}".prop_map(|s| s),
        "[a-z0-9_/]{1,10}\\.json\\.gz".prop_map(|p| format!("\"{p}\""))
    ];
    let tried = run(256, name, |q, b, name| {
        let sql = match &q.with {
            Some(_) => q.to_string().replacen("WITH ", "WITH RECURSIVE ", 1),
            None => format!("WITH RECURSIVE {name} AS ({q}) SELECT * FROM {name}"),
        };
        match refusal(&sql, &b)? {
            ValidationError::NotAllowed(m) if m.contains("WITH RECURSIVE") => Ok(true),
            other => Err(TestCaseError::fail(format!("{sql}: {other:?}"))),
        }
    });
    let join = prop_oneof![
        Just("CROSS JOIN cloudtrail zz"),
        Just("CROSS JOIN vpcflow zz"),
        Just("JOIN vpcflow zz ON true"),
        Just("LEFT JOIN cloudtrail zz ON 1 = 1"),
        Just("NATURAL JOIN vpcflow zz"),
        Just("CROSS JOIN (SELECT * FROM vpcflow) zz"),
    ];
    let joined = run(256, (join, any::<usize>()), |mut q, b, (join, n)| {
        let Some(extra) = parse(&format!("SELECT 1 FROM t {join}")).and_then(|p| match *p.body {
            SetExpr::Select(s) => s.from.into_iter().next().and_then(|t| t.joins.into_iter().next()),
            _ => None,
        }) else {
            return Ok(false);
        };
        let mut added = false;
        let mut edit = EditSelect {
            target: n % count_selects(&q),
            seen: 0,
            edit: |s: &mut Select| {
                if let Some(twj) = s.from.first_mut() {
                    twj.joins.push(extra.clone());
                    added = true;
                }
            },
        };
        let _ = VisitMut::visit(&mut *q, &mut edit);
        if !added {
            return Ok(false); // that SELECT has no FROM
        }
        let sql = q.to_string();
        match refusal(&sql, &b)? {
            ValidationError::NotAllowed(m) if m.contains("JOIN") => Ok(true),
            other => Err(TestCaseError::fail(format!("{sql}: {other:?}"))),
        }
    });
    eprintln!("recursive CTEs: {tried} refused; cartesian joins: {joined} refused");
    assert!(tried > 200 && joined > 150, "only {tried} / {joined} cases ran");
}

#[test]
fn whatever_passes_calls_only_allowed_functions_and_reads_only_tables_and_ctes() {
    let any_name =
        prop_oneof![prop::sample::select(super::allow::FUNCTIONS).prop_map(|(f, _)| f.to_owned()), forbidden_name(),];
    let checked = run(512, (any_name, any::<usize>(), any::<bool>()), |mut q, b, (name, n, mutate)| {
        if mutate && !wrap_nth_expression(&mut q, n, &name) {
            return Ok(false);
        }
        let Ok(v) = validate(&q.to_string(), catalog(), &b, 1000) else { return Ok(false) };
        let user = user_part(&v, &b);
        let (calls, relations) = calls_and_relations(&user);
        let dialect = dialect_of(&b);
        if let Some(bad) = calls.iter().find(|f| !allow::is_allowed(f, dialect)) {
            return Err(TestCaseError::fail(format!("{bad} reached the engine: {}", v.executable())));
        }
        let ctes = cte_names(&user);
        if let Some(bad) = relations.iter().find(|r| catalog().table(r).is_none() && !ctes.contains(r)) {
            return Err(TestCaseError::fail(format!("relation {bad} reached the engine: {}", v.executable())));
        }
        Ok(true)
    });
    eprintln!("accepted queries checked: {checked}");
    assert!(checked > 200, "only {checked} accepted cases were checked");
}
