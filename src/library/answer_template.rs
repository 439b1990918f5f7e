//! Per-entry answer templates (`answer_en` / `answer_ko` in `prompts/library/*.toml`): a sentence written from
//! the result, e.g. "루트 계정 사용 2건 — 마지막은 11월 29일 13:10 (KST), acme-prod, 58.151.93.2에서 콘솔 로그인".
//!
//! The environment is strict and closed: it starts empty (no built-in filters, functions or loader), knows only
//! the result context ([`CONTEXT_NAMES`]) and four filters (`time`: asker's time zone with the zone shown;
//! `account`: id → configured name; `num`: thousands separators; `short`: an ARN's resource part), and an undefined name or column is an error
//! (at load for names, when rendering for columns). Every interpolated value goes through one formatter that makes
//! it a single short line of plain text; the answer is plain text that the Slack renderer escapes whole for
//! mrkdwn, so data can never mention, link or format (held by a property test in `pipeline::summary`).
//!
//! Context: `count` (matching rows, the true total when the listing was cut), `shown` (rows returned), `cut`
//! (whether more matched than returned), `rows` (up to [`ROWS_IN_CONTEXT`] rows, each column → value),
//! `first`/`last` (first and last row as returned), `latest`/`earliest` (rows with the latest/earliest time in the
//! result's time column; first/last when there is none), `accounts` (distinct account names, in order).

use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::engines::{ColumnType, QueryResult, Value};
use crate::pipeline::Language;
use crate::pipeline::summary::{self, Audience, one_line};

/// Names a template may use at top level.
pub const CONTEXT_NAMES: [&str; 9] =
    ["count", "shown", "cut", "rows", "first", "last", "latest", "earliest", "accounts"];
/// Names that hold one row: `name.column` must be a column the entry's SQL returns.
pub const ROW_NAMES: [&str; 4] = ["first", "last", "latest", "earliest"];
/// Rows handed to a template (a sentence never needs more).
pub const ROWS_IN_CONTEXT: usize = 20;

/// What a template sees: see the module docs.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    count: u64,
    shown: usize,
    cut: bool,
    rows: Vec<BTreeMap<String, JValue>>,
    first: BTreeMap<String, JValue>,
    last: BTreeMap<String, JValue>,
    latest: BTreeMap<String, JValue>,
    earliest: BTreeMap<String, JValue>,
    accounts: Vec<String>,
}

impl Context {
    /// The context of a non-empty `result`; `total` is the full count when the listing was cut.
    pub fn new(result: &QueryResult, total: Option<u64>, audience: &Audience) -> Self {
        let row = |r: &Vec<Value>| -> BTreeMap<String, JValue> {
            result.columns.iter().zip(r).map(|(c, v)| (c.name.clone(), cell(v))).collect()
        };
        let rows: Vec<_> = result.rows.iter().take(ROWS_IN_CONTEXT).map(row).collect();
        let (first, last) = (result.rows.first(), result.rows.last());
        let time_col = result
            .columns
            .iter()
            .position(|c| c.name == "event_time" && c.ty == ColumnType::Timestamp)
            .or_else(|| result.columns.iter().position(|c| c.ty == ColumnType::Timestamp));
        let by_time = |pick_max: bool| {
            let i = time_col?;
            let timed = result.rows.iter().filter(|r| matches!(r.get(i), Some(Value::Timestamp(_))));
            let key = |r: &&Vec<Value>| match &r[i] {
                Value::Timestamp(t) => *t,
                _ => chrono::DateTime::<chrono::Utc>::MIN_UTC,
            };
            if pick_max { timed.max_by_key(key) } else { timed.min_by_key(key) }
        };
        let shown = result.rows.len();
        Self {
            count: total.unwrap_or(shown as u64).max(shown as u64),
            shown,
            cut: result.truncated || total.is_some_and(|t| t > shown as u64),
            latest: by_time(true).or(first).map(row).unwrap_or_default(),
            earliest: by_time(false).or(last).map(row).unwrap_or_default(),
            first: first.map(row).unwrap_or_default(),
            last: last.map(row).unwrap_or_default(),
            rows,
            accounts: summary::account_names(result, audience),
        }
    }
}

/// A cell as a template value: timestamps as RFC 3339 UTC text (for the `time` filter), NULL as "".
fn cell(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::from(""),
        Value::Bool(b) => JValue::from(*b),
        Value::Int(i) => JValue::from(*i),
        Value::Float(f) => JValue::from(*f),
        Value::Text(s) => JValue::from(s.as_str()),
        Value::Timestamp(t) => JValue::from(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }
}

/// Why a template cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// Syntax error or a failure while rendering (an undefined name or column, a bad value for a filter).
    #[error("answer template: {0:#}")]
    Jinja(#[from] Error),
    /// The template uses a name the context does not have.
    #[error("answer template uses unknown name(s) {0:?}; allowed: {CONTEXT_NAMES:?}")]
    UnknownNames(Vec<String>),
}

/// The closed environment for `audience` (filters format for the asker).
fn environment(audience: &Audience) -> Environment<'static> {
    let mut env = Environment::empty();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_recursion_limit(20);
    env.set_formatter(|out, _state, value| {
        if value.is_undefined() {
            return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
        }
        let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        out.write_str(&one_line(&text)).map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
    });
    let (language, tz) = (audience.language, audience.tz);
    env.add_filter("time", move |v: String| -> Result<String, Error> {
        let at = Audience { language, tz, accounts: &[] };
        match summary::parse_time(&v) {
            Some(t) => Ok(at.time(t)),
            None if v.is_empty() => Ok(v),
            None => Err(Error::new(ErrorKind::InvalidOperation, format!("`time` needs a timestamp, got {v:?}"))),
        }
    });
    env.add_filter("short", |v: String| -> String { short_arn(&v).to_owned() });
    let accounts = audience.accounts.to_vec();
    env.add_filter("account", move |v: String| -> String {
        accounts.iter().find(|a| a.id == v).map_or(v.clone(), |a| a.display_name().to_owned())
    });
    env.add_filter("num", |v: JValue| -> String {
        match i64::try_from(v.clone()) {
            Ok(i) => summary::number(i128::from(i)),
            Err(_) => v.as_str().and_then(|s| s.parse::<i64>().ok()).map_or_else(
                || v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                |i| summary::number(i128::from(i)),
            ),
        }
    });
    env
}

/// An ARN's resource part (`arn:aws:iam::123456789012:user/alice` → `user/alice`); other text as it is.
pub fn short_arn(text: &str) -> &str {
    if !text.starts_with("arn:") {
        return text;
    }
    text.splitn(6, ':').nth(5).filter(|r| !r.is_empty()).unwrap_or(text)
}

/// The template for `language` of an entry, if it has one.
pub fn pick<'a>(en: Option<&'a str>, ko: Option<&'a str>, language: Language) -> Option<&'a str> {
    match language {
        Language::En => en,
        Language::Ko => ko,
    }
}

/// Checks a template at load: it compiles and uses no name outside [`CONTEXT_NAMES`].
pub fn check(source: &str) -> Result<(), TemplateError> {
    let env = environment(&Audience { language: Language::En, tz: chrono_tz::UTC, accounts: &[] });
    let template = env.template_from_str(source)?;
    let unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|n| !CONTEXT_NAMES.contains(&n.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if unknown.is_empty() { Ok(()) } else { Err(TemplateError::UnknownNames(unknown)) }
}

/// The columns a template reads from one row (`first.x`, `latest.x`, …), for checking against an entry's SQL.
pub fn row_columns(source: &str) -> Result<BTreeSet<String>, TemplateError> {
    let env = environment(&Audience { language: Language::En, tz: chrono_tz::UTC, accounts: &[] });
    let template = env.template_from_str(source)?;
    Ok(template
        .undeclared_variables(true)
        .into_iter()
        .filter_map(|n| {
            let (head, column) = n.split_once('.')?;
            ROW_NAMES.contains(&head).then(|| column.split('.').next().unwrap_or(column).to_owned())
        })
        .collect())
}

/// Renders `source` with `context` for `audience`: plain text, one line per template line, trimmed.
pub fn render(source: &str, context: &Context, audience: &Audience) -> Result<String, TemplateError> {
    let env = environment(audience);
    let text = env.render_str(source, context)?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
}

/// Checks `source` against what its entry's SQL returned: every column it reads from a row is a result column,
/// and it renders (on the result, or on one made-up row of the result's columns when the result is empty) with
/// no template syntax left over. Returns the rendered text; the error says what is wrong.
pub fn check_on(source: &str, result: &QueryResult, audience: &Audience) -> Result<String, String> {
    let returned: BTreeSet<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    let missing: Vec<String> = row_columns(source)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| !returned.contains(c.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(format!("reads column(s) {missing:?} that the entry's SQL does not return"));
    }
    let sample;
    let result = if result.rows.is_empty() {
        sample = QueryResult { rows: vec![result.columns.iter().map(|c| made_up(&c.ty)).collect()], ..result.clone() };
        &sample
    } else {
        result
    };
    let text = render(source, &Context::new(result, None, audience), audience).map_err(|e| e.to_string())?;
    match ["{{", "}}", "{%", "%}", "{#"].iter().find(|m| text.contains(**m)) {
        Some(m) => Err(format!("rendered text still holds `{m}`: {text}")),
        None if text.trim().is_empty() => Err("rendered nothing".into()),
        None => Ok(text),
    }
}

/// A value of type `ty` for [`check_on`] on an empty result.
fn made_up(ty: &ColumnType) -> Value {
    match ty {
        ColumnType::Boolean => Value::Bool(true),
        ColumnType::Integer => Value::Int(1),
        ColumnType::Float => Value::Float(1.5),
        ColumnType::Timestamp => Value::Timestamp(chrono::DateTime::UNIX_EPOCH),
        ColumnType::Text | ColumnType::Other(_) => Value::Text("x".into()),
    }
}

#[cfg(test)]
mod tests;
