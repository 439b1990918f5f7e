//! Tests for Athena as the Trino engine it is: the fake answers DuckDB-only SQL with Trino's errors, the real
//! aws-sdk-athena client classifies failures from `AthenaError` (a SQL error is fed back to the model, a
//! retryable one is started again), and the SQL asklake ships parses as Trino (`scripts/check_trino_sql.py`).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use asklake::catalog::Catalog;
use asklake::engines::{EngineError, ExecOptions, Value};
use asklake::pipeline::{Asker, NoProgress, Outcome, Question};
use chrono::{TimeZone, Utc};
use tokio_util::sync::CancellationToken;

use crate::support::fake_athena::{AthenaFailure, Behaviour, DATABASE, FakeAthena, TABLE};
use crate::support::fake_bedrock::{FakeBedrock, Reply};
use crate::support::pipeline::{self, NoLibrary};

/// Athena engine v3's COLUMN_NOT_FOUND text, which also says "not authorized".
const COLUMN_NOT_FOUND_X: &str = "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved or requester is not authorized to access requested resources";

fn table() -> String {
    format!("\"{DATABASE}\".\"{TABLE}\"")
}

async fn failure_of(athena: &FakeAthena, sql: &str) -> String {
    let engine = athena.engine(&athena.config());
    match engine.run_sql(sql, &ExecOptions::default()).await {
        Err(EngineError::Query { message }) => message,
        other => panic!("{sql}: expected a SQL error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- the fake speaks Trino

#[tokio::test]
async fn a_select_alias_in_group_by_or_having_is_column_not_found_as_athena_words_it() {
    let athena = FakeAthena::start().await;
    let t = table();
    let by_alias = format!("SELECT api.operation AS op, count(*) AS n FROM {t} GROUP BY op");
    assert_eq!(
        failure_of(&athena, &by_alias).await,
        format!(
            "COLUMN_NOT_FOUND: line 1:{}: Column 'op' cannot be resolved or requester is not authorized to access requested resources",
            by_alias.rfind("op").unwrap() + 1
        )
    );
    let having = format!("SELECT status, count(*) AS n FROM {t} GROUP BY status HAVING n > 1");
    assert!(failure_of(&athena, &having).await.starts_with("COLUMN_NOT_FOUND: line 1:"), "HAVING alias");

    let engine = athena.engine(&athena.config());
    let by_expression =
        format!("SELECT api.operation AS op, count(*) AS n FROM {t} GROUP BY api.operation ORDER BY n DESC");
    let rows = engine.run_sql(&by_expression, &ExecOptions::default()).await.unwrap().rows;
    assert_eq!(rows[0], vec![Value::Text("ConsoleLogin".into()), Value::Int(2)], "ORDER BY an alias is fine in Trino");
    let same_name = format!("SELECT status AS status, count(*) AS n FROM {t} GROUP BY status");
    assert!(engine.run_sql(&same_name, &ExecOptions::default()).await.is_ok(), "a real column of that name");
}

#[tokio::test]
async fn duckdb_only_syntax_is_a_trino_syntax_error() {
    let athena = FakeAthena::start().await;
    let t = table();
    for (sql, token) in [
        (format!("SELECT status FROM {t} QUALIFY row_number() OVER (ORDER BY time_dt) = 1"), "QUALIFY"),
        (format!("SELECT * EXCLUDE (api) FROM {t}"), "EXCLUDE"),
        (format!("SELECT * REPLACE (upper(status) AS status) FROM {t}"), "REPLACE"),
        (format!("SELECT status::varchar FROM {t}"), "::"),
    ] {
        let message = failure_of(&athena, &sql).await;
        assert!(message.starts_with("SYNTAX_ERROR: line 1:"), "{message}");
        assert!(message.contains(&format!("mismatched input '{token}'. Expecting:")), "{message}");
    }
}

#[tokio::test]
async fn a_duckdb_only_function_is_function_not_found() {
    let athena = FakeAthena::start().await;
    let sql = format!("SELECT list_contains(ARRAY['a'], status) FROM {}", table());
    assert_eq!(
        failure_of(&athena, &sql).await,
        "FUNCTION_NOT_FOUND: line 1:8: Function 'list_contains' not registered"
    );
    let trino = format!("SELECT regexp_like(status, '^Succ') AS ok FROM {} WHERE status = 'Success' LIMIT 1", table());
    let engine = athena.engine(&athena.config());
    assert_eq!(engine.run_sql(&trino, &ExecOptions::default()).await.unwrap().rows, vec![vec![Value::Bool(true)]]);
}

// ---------------------------------------------------------------- classification through the real client

#[tokio::test]
async fn column_not_found_is_a_sql_error_not_access_denied() {
    let athena = FakeAthena::start().await;
    athena.next_query(Behaviour::FailWith(AthenaFailure::column_not_found(1, 8, "x")));
    let err = athena.engine(&athena.config()).run_sql("SELECT x FROM t", &ExecOptions::default()).await.unwrap_err();
    assert_eq!(err, EngineError::Query { message: COLUMN_NOT_FOUND_X.into() });
    assert!(err.is_fixable_by_sql());
}

#[tokio::test]
async fn a_retryable_failure_is_started_again_and_succeeds() {
    let athena = FakeAthena::start().await;
    let engine = athena.engine(&athena.config());
    athena.next_query(Behaviour::FailWith(AthenaFailure::transient()));
    athena.next_query(Behaviour::FailWith(AthenaFailure::s3_slow_down()));
    let ok = engine.run_sql("SELECT 42 AS answer", &ExecOptions::default()).await.unwrap();
    assert_eq!(ok.rows, vec![vec![Value::Int(42)]]);
    assert_eq!(athena.started_sql().len(), 3, "two failed starts, then the one that succeeded");
}

#[tokio::test]
async fn a_failure_that_stays_retryable_ends_unavailable_after_two_restarts() {
    let athena = FakeAthena::start().await;
    let engine = athena.engine(&athena.config());
    for _ in 0..4 {
        athena.next_query(Behaviour::FailWith(AthenaFailure::transient()));
    }
    let err = engine.run_sql("SELECT 1", &ExecOptions::default()).await.unwrap_err();
    assert!(
        matches!(err, EngineError::Unavailable { ref message } if message.starts_with("GENERIC_INTERNAL_ERROR")),
        "{err:?}"
    );
    assert_eq!(athena.started_sql().len(), 3);
}

#[tokio::test]
async fn a_lake_formation_refusal_is_access_denied() {
    let athena = FakeAthena::start().await;
    let reason = format!("Insufficient Lake Formation permission(s) on {TABLE}");
    athena.next_query(Behaviour::FailWith(AthenaFailure::user(reason, 1500)));
    let err = athena.engine(&athena.config()).run_sql("SELECT 1", &ExecOptions::default()).await.unwrap_err();
    assert!(matches!(err, EngineError::AccessDenied { .. }), "{err:?}");
    assert_eq!(athena.started_sql().len(), 1, "not retried");
}

#[tokio::test]
async fn athenas_column_not_found_is_fed_back_to_the_model_which_fixes_the_query() {
    let (bedrock, athena) = (FakeBedrock::start().await, FakeAthena::start().await);
    let config = athena.config();
    athena.next_query(Behaviour::FailWith(AthenaFailure::column_not_found(1, 8, "who")));
    bedrock.script([
        Reply::sql("SELECT actor_arn AS who, count(*) AS events FROM cloudtrail WHERE event_time > TIMESTAMP '2026-11-15 00:00:00' GROUP BY actor_arn"),
        Reply::sql("SELECT actor_arn, count(*) AS events FROM cloudtrail WHERE event_time > TIMESTAMP '2026-11-15 00:00:00' GROUP BY actor_arn ORDER BY events DESC"),
        Reply::text("alice made the most calls."),
    ]);
    let engine = Arc::new(athena.engine(&config));
    let pipeline = pipeline::build(
        &config.pipeline,
        Catalog::embedded().unwrap(),
        engine,
        Some(Arc::new(bedrock.llm())),
        Arc::new(NoLibrary),
    )
    .with_clock(Arc::new(|| Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()));

    let question = Question { text: "who made the most API calls?".into(), history: vec![] };
    let answer = pipeline.ask(question, &NoProgress, CancellationToken::new()).await;

    assert_eq!(answer.outcome, Outcome::Answered, "{answer:#?}");
    let first = answer.attempts[0].error.as_deref().unwrap_or_default();
    assert!(first.contains("Column `who` cannot be resolved"), "{first}");
    let second_prompt =
        bedrock.converse_requests()[1]["messages"][0]["content"][0]["text"].as_str().unwrap().to_owned();
    assert!(second_prompt.contains("Column `who` cannot be resolved"), "{second_prompt}");
    assert!(!answer.text.contains("IAM"), "{}", answer.text);
}

// ---------------------------------------------------------------- shipped SQL is Trino SQL

/// Runs the checker over `root`; `None` when it cannot run here (no python3 or no sqlglot) outside CI.
fn check_trino_sql(root: &Path) -> Option<std::process::Output> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_trino_sql.py");
    let in_ci = std::env::var_os("CI").is_some();
    let out = match Command::new("python3").arg(&script).arg(root).output() {
        Ok(out) => out,
        Err(e) if !in_ci => {
            eprintln!("skipped: python3 is not available ({e}); CI (.ci/run) runs this check");
            return None;
        }
        Err(e) => panic!("CI needs python3 for scripts/check_trino_sql.py: {e}"),
    };
    if out.status.code() == Some(2) {
        assert!(!in_ci, "CI needs sqlglot: .ci/run installs it with `python3 -m pip install sqlglot`");
        eprintln!("skipped: sqlglot is not installed (python3 -m pip install sqlglot); CI (.ci/run) installs it");
        return None;
    }
    Some(out)
}

#[test]
fn every_library_query_catalog_expression_and_prompt_example_is_trino_sql() {
    let Some(out) = check_trino_sql(Path::new(env!("CARGO_MANIFEST_DIR"))) else { return };
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(report.contains("library queries") && !report.contains(" 0 library queries"), "{report}");
}

#[test]
fn the_trino_check_flags_duckdb_only_sql() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("prompts/library")).unwrap();
    std::fs::create_dir_all(root.path().join("scripts")).unwrap();
    let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/trino_functions.txt");
    std::fs::copy(functions, root.path().join("scripts/trino_functions.txt")).unwrap();
    std::fs::write(root.path().join("prompts/catalog.toml"), "").unwrap();
    std::fs::write(
        root.path().join("prompts/library/bad.toml"),
        r#"[[entry]]
id = "duckdb-isms"
sql = "SELECT status::varchar, [1, 2] AS l, list_contains(a, 1) FROM cloudtrail WHERE event_time >= {{ start }}"

[[entry]]
id = "qualify"
sql = "SELECT a FROM cloudtrail QUALIFY row_number() OVER (ORDER BY a) = 1"
"#,
    )
    .unwrap();
    let Some(out) = check_trino_sql(root.path()) else { return };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for expected in ["`::` cast", "list literal", "list_contains() does not exist in Trino", "QUALIFY is DuckDB"] {
        assert!(stdout.contains(expected), "{expected} not flagged:\n{stdout}");
    }
}
