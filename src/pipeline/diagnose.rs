//! Typed diagnosis of a failed attempt: a short, specific note for the model instead of a raw error dump.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::validate::ValidationError;
use crate::catalog::Catalog;
use crate::engines::{Dialect, EngineError, human_bytes};
use crate::llm::LlmError;

/// What kind of problem the attempt had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DiagnosisKind {
    /// A column that does not exist.
    UnknownColumn,
    /// A table that does not exist.
    UnknownTable,
    /// Not exactly one read-only query.
    NotReadOnly,
    /// Unparseable SQL.
    Syntax,
    /// A construct, relation or function outside the engine's allow-list.
    NotAllowed,
    /// A function the engine does not have.
    MissingFunction,
    /// Wrong types in a comparison or call.
    TypeMismatch,
    /// Too much data scanned.
    ScanLimit,
    /// The engine stopped the query for running too long or needing too much memory.
    Runaway,
    /// Any other engine error.
    Engine,
    /// The query ran and returned no rows.
    EmptyResult,
    /// The model answered without a usable tool call.
    NoToolCall,
}

/// A short diagnosis fed back to the model on the next attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Kind.
    pub kind: DiagnosisKind,
    /// One or two sentences.
    pub text: String,
}

impl Diagnosis {
    fn new(kind: DiagnosisKind, text: impl Into<String>) -> Self {
        Self { kind, text: text.into() }
    }
}

/// Diagnosis of a validation failure (the validator already names the nearest columns).
pub fn from_validation(err: &ValidationError) -> Diagnosis {
    match err {
        ValidationError::UnknownColumn { table, column, suggestions } => Diagnosis::new(
            DiagnosisKind::UnknownColumn,
            format!("Column `{column}` does not exist in `{table}`. Closest columns: {suggestions}."),
        ),
        ValidationError::UnknownTable { table, available } => Diagnosis::new(
            DiagnosisKind::UnknownTable,
            format!("Table `{table}` does not exist. Use only: {available}."),
        ),
        ValidationError::NotReadOnly(what) => Diagnosis::new(
            DiagnosisKind::NotReadOnly,
            format!("Only one read-only SELECT is allowed ({what}). Return a single SELECT and nothing else."),
        ),
        ValidationError::Syntax(msg) => {
            Diagnosis::new(DiagnosisKind::Syntax, format!("The SQL does not parse: {}", first_line(msg)))
        }
        ValidationError::NotAllowed(what) => Diagnosis::new(DiagnosisKind::NotAllowed, format!("Not allowed: {what}.")),
    }
}

/// Diagnosis of an engine failure, with catalog suggestions and dialect-specific function advice.
pub fn from_engine(err: &EngineError, catalog: &Catalog, dialect: Dialect) -> Diagnosis {
    match err {
        EngineError::Query { message } => from_engine_message(message, catalog, dialect),
        EngineError::ScanLimit { scanned, cap } => Diagnosis::new(
            DiagnosisKind::ScanLimit,
            format!(
                "The query scanned {} (cap {}). Narrow the event_time window and select fewer columns.",
                human_bytes(*scanned),
                human_bytes(*cap)
            ),
        ),
        EngineError::Timeout(limit) => Diagnosis::new(
            DiagnosisKind::Runaway,
            format!(
                "The query ran longer than the {} s limit and was stopped. Write a cheaper query: a narrower event_time window, filters before joins, counts instead of every row, and no join without a selective condition.",
                limit.as_secs().max(1)
            ),
        ),
        EngineError::ResourceLimit { .. } => Diagnosis::new(
            DiagnosisKind::Runaway,
            "The query needed more memory than allowed and was stopped. Write a cheaper query: a narrower event_time window, filters before joins, counts instead of every row, and no join without a selective condition.",
        ),
        other => Diagnosis::new(DiagnosisKind::Engine, first_line(&other.to_string())),
    }
}

static FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)function with name "?([a-z_0-9]+)"? does not exist|function '([a-z_0-9]+)' not registered"#)
        .expect("valid regex")
});
static COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)referenced column "([^"]+)" not found|column '([^']+)' cannot be resolved"#).expect("valid regex")
});

fn from_engine_message(message: &str, catalog: &Catalog, dialect: Dialect) -> Diagnosis {
    if let Some(name) = capture(&FUNCTION, message) {
        let advice = replacement(&name, dialect)
            .map_or_else(|| "Use a function this engine has.".to_owned(), |r| format!("Use {r} instead."));
        let engine = if dialect == Dialect::DuckDb { "DuckDB" } else { "Athena (Trino)" };
        return Diagnosis::new(DiagnosisKind::MissingFunction, format!("{engine} has no function `{name}`. {advice}"));
    }
    if let Some(column) = capture(&COLUMN, message) {
        let near = nearest_columns(catalog, &column, 3).join(", ");
        return Diagnosis::new(
            DiagnosisKind::UnknownColumn,
            format!("Column `{column}` cannot be resolved. Closest catalog columns: {near}."),
        );
    }
    let upper = message.to_ascii_uppercase();
    if upper.contains("TYPE_MISMATCH") || upper.contains("CONVERSION ERROR") || upper.contains("NO FUNCTION MATCHES") {
        return Diagnosis::new(DiagnosisKind::TypeMismatch, format!("Type mismatch: {}", first_line(message)));
    }
    if upper.contains("SYNTAX_ERROR") || upper.contains("PARSER ERROR") || upper.contains("MISMATCHED INPUT") {
        return Diagnosis::new(DiagnosisKind::Syntax, format!("Syntax error: {}", first_line(message)));
    }
    Diagnosis::new(DiagnosisKind::Engine, first_line(message))
}

/// Diagnosis of an empty result: asks the model to confirm or fix.
pub fn empty_result(window_days: u32) -> Diagnosis {
    Diagnosis::new(
        DiagnosisKind::EmptyResult,
        format!(
            "The query ran and returned no rows. Check the literal values (exact case, as in the column examples), the \
             event_time window (default {window_days} days) and each filter. If the query is right, call answer_with_sql \
             again with the same SQL to confirm; otherwise return the corrected SQL."
        ),
    )
}

/// Diagnosis of a reply without a usable tool call.
pub fn no_tool_call(err: &LlmError) -> Diagnosis {
    Diagnosis::new(
        DiagnosisKind::NoToolCall,
        format!("Your reply was not usable ({err}). Answer only by calling answer_with_sql or decline."),
    )
}

fn capture(re: &Regex, text: &str) -> Option<String> {
    re.captures(text).and_then(|c| c.iter().skip(1).flatten().next().map(|m| m.as_str().to_owned()))
}

/// The function to use instead of `name` on `dialect`.
pub(crate) fn replacement(name: &str, dialect: Dialect) -> Option<&'static str> {
    const ON_DUCKDB: &[(&str, &str)] = &[
        ("date_format", "strftime(ts, '%Y-%m-%d %H')"),
        ("format_datetime", "strftime(ts, format)"),
        ("from_unixtime", "to_timestamp(seconds)"),
        ("to_unixtime", "epoch(ts)"),
        ("date_parse", "strptime(text, format)"),
        ("any_match", "a subquery over UNNEST(array)"),
        ("array_join", "array_to_string(list, sep)"),
        ("approx_percentile", "approx_quantile(x, q)"),
        ("transform", "list_transform(list, x -> …)"),
        ("json_parse", "CAST(text AS JSON)"),
        (
            "at_timezone",
            "event_time + INTERVAL '9' HOUR (shift UTC by the zone's offset; this engine has no time zones)",
        ),
        (
            "with_timezone",
            "event_time + INTERVAL '9' HOUR (shift UTC by the zone's offset; this engine has no time zones)",
        ),
        ("day_of_week", "isodow(ts)"),
        ("week_of_year", "week(ts)"),
    ];
    const ON_TRINO: &[(&str, &str)] = &[
        ("strftime", "date_format(ts, '%Y-%m-%d %H')"),
        ("strptime", "date_parse(text, format)"),
        ("epoch", "to_unixtime(ts)"),
        ("to_timestamp", "from_unixtime(seconds)"),
        ("regexp_matches", "regexp_like(text, pattern)"),
        ("json_extract_string", "json_extract_scalar(json, path)"),
        ("approx_count_distinct", "approx_distinct(x)"),
        ("list_transform", "transform(array, x -> …)"),
        ("array_to_string", "array_join(array, sep)"),
        ("datediff", "date_diff(unit, a, b)"),
        ("ifnull", "coalesce(a, b)"),
    ];
    let table = if dialect == Dialect::DuckDb { ON_DUCKDB } else { ON_TRINO };
    let lower = name.to_ascii_lowercase();
    table.iter().find(|(f, _)| *f == lower).map(|(_, r)| *r)
}

/// Up to `n` catalog columns closest to `name` (edit distance, substring matches first).
pub fn nearest_columns(catalog: &Catalog, name: &str, n: usize) -> Vec<String> {
    let target = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    let mut scored: Vec<(usize, String)> = catalog
        .tables
        .iter()
        .flat_map(|t| t.columns.iter().map(|c| c.name.clone()))
        .map(|c| {
            let lower = c.to_ascii_lowercase();
            let bonus = if lower.contains(&target) || target.contains(&lower) { 0 } else { 100 };
            (bonus + levenshtein(&lower, &target), c)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LogicalTable;

    fn catalog() -> Catalog {
        let columns: Vec<_> = ["event_time", "api_operation", "actor_arn", "src_ip"]
            .iter()
            .map(|c| serde_json::json!({"name": c, "type": "varchar", "meaning": ""}))
            .collect();
        let table: LogicalTable =
            serde_json::from_value(serde_json::json!({"name": "cloudtrail", "description": "", "columns": columns}))
                .unwrap();
        Catalog { tables: vec![table], ..Catalog::default() }
    }

    #[test]
    fn an_athena_unknown_column_names_the_nearest_catalog_columns() {
        let err = EngineError::Query {
            message: "COLUMN_NOT_FOUND: line 1:8: Column 'api_operaton' cannot be resolved".into(),
        };
        let d = from_engine(&err, &catalog(), Dialect::Trino);
        assert_eq!(d.kind, DiagnosisKind::UnknownColumn);
        assert!(d.text.contains("Closest catalog columns: api_operation"), "{}", d.text);
    }

    #[test]
    fn a_trino_function_missing_in_duckdb_gets_the_duckdb_one() {
        let err = EngineError::Query {
            message: "Catalog Error: Scalar Function with name date_format does not exist!\nDid you mean \"strftime\"?"
                .into(),
        };
        let d = from_engine(&err, &catalog(), Dialect::DuckDb);
        assert_eq!(d.kind, DiagnosisKind::MissingFunction);
        assert!(d.text.contains("DuckDB has no function `date_format`. Use strftime"), "{}", d.text);
    }

    #[test]
    fn a_duckdb_function_on_athena_gets_the_trino_one() {
        let err =
            EngineError::Query { message: "FUNCTION_NOT_FOUND: line 1:8: Function 'strftime' not registered".into() };
        let d = from_engine(&err, &catalog(), Dialect::Trino);
        assert!(d.text.contains("Use date_format"), "{}", d.text);
    }

    #[test]
    fn syntax_errors_keep_only_the_first_line() {
        let err =
            EngineError::Query { message: "SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'\n   at long stack".into() };
        let d = from_engine(&err, &catalog(), Dialect::Trino);
        assert_eq!(d.kind, DiagnosisKind::Syntax);
        assert!(!d.text.contains("stack"));
    }
}
