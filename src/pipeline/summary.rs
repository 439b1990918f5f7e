//! The answer a person would write from a result without a model: how many, when (first and last time in the
//! asker's time zone), the top value of a ranking and the accounts by name, in the asker's language.
//!
//! Plain text: the Slack renderer escapes the whole answer for mrkdwn (`slack::render::answer`), the terminal
//! prints it as it is.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use super::Language;
use crate::accounts::AccountConfig;
use crate::catalog::{ACCOUNT_ID, ACCOUNT_NAME};
use crate::engines::{ColumnType, QueryResult, Value};

/// Accounts named in a summary before "and N more".
const NAMED_ACCOUNTS: usize = 3;
/// Longest data value quoted in a generic summary, in characters.
const VALUE_CHARS: usize = 100;

/// Who the answer is for: their language and time zone, and the configured account names.
#[derive(Debug, Clone)]
pub struct Audience<'a> {
    /// The asker's language.
    pub language: Language,
    /// The asker's time zone (`[pipeline] timezone`).
    pub tz: Tz,
    /// `[[accounts]]`, for names instead of ids.
    pub accounts: &'a [AccountConfig],
}

impl Audience<'_> {
    /// `t` in the asker's time zone, with the zone: "11월 29일 13:10 (KST)" / "Nov 29 13:10 (KST)".
    pub fn time(&self, t: DateTime<Utc>) -> String {
        format!("{} ({})", self.time_bare(t), self.zone(t))
    }

    /// `t` in the asker's time zone without the zone name.
    fn time_bare(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.tz);
        match self.language {
            Language::Ko => format!("{}월 {}일 {:02}:{:02}", local.month(), local.day(), local.hour(), local.minute()),
            Language::En => local.format("%b %-d %H:%M").to_string(),
        }
    }

    /// The zone's abbreviation at `t` ("KST", "UTC", "+0530" where the zone has none).
    fn zone(&self, t: DateTime<Utc>) -> String {
        crate::engines::display::zone_name(t, self.tz)
    }

    /// "11월 27일 17:47 ~ 11월 29일 13:10 (KST)": one zone shown for both ends.
    pub fn span(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        if from == to {
            return self.time(from);
        }
        format!("{} ~ {} ({})", self.time_bare(from), self.time_bare(to), self.zone(to))
    }

    /// The configured name of account `id`, else the id.
    pub fn account(&self, id: &str) -> String {
        self.accounts.iter().find(|a| a.id == id).map_or(id, AccountConfig::display_name).to_owned()
    }
}

/// `1234567` → "1,234,567".
pub fn number(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Parses a timestamp as the engines print it (`2026-11-29 04:10:32`, UTC, fractions optional) or as RFC 3339.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
            .map(|n| n.and_utc())
    })
}

/// One data value as one short line of plain text.
pub fn one_line(text: &str) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    crate::slack::escape::truncate(clean.trim(), VALUE_CHARS)
}

/// When the result happened: `(from, to)`, either end unknown. A listing's own time column (`event_time`, an
/// hour bucket: any timestamp column not named `first…`/`last…`/`min…`/`max…`) gives both ends; otherwise the
/// earliest `first…` column gives the start and the latest `last…` column the end (aggregates' `min(event_time)
/// AS first_seen`, `max(event_time) AS last_seen`).
pub fn time_range(result: &QueryResult) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let times = |pick: &dyn Fn(&str) -> bool| -> Vec<DateTime<Utc>> {
        result
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ty == ColumnType::Timestamp && pick(&c.name))
            .flat_map(|(i, _)| result.rows.iter().filter_map(move |r| timestamp(r.get(i)?)))
            .collect()
    };
    let starts = |n: &str| n.starts_with("first") || n.starts_with("min");
    let ends = |n: &str| n.starts_with("last") || n.starts_with("max");
    let own = times(&|n| !starts(n) && !ends(n));
    if !own.is_empty() {
        return (own.iter().min().copied(), own.iter().max().copied());
    }
    (times(&starts).into_iter().min(), times(&ends).into_iter().max())
}

fn timestamp(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Timestamp(t) => Some(*t),
        Value::Text(s) => parse_time(s),
        _ => None,
    }
}

/// Names of the distinct accounts in the result (`account_name` if returned, else `account_id` by name), in
/// order of first appearance.
pub fn account_names(result: &QueryResult, audience: &Audience) -> Vec<String> {
    let col = |name: &str| result.columns.iter().position(|c| c.name == name);
    let (index, by_id) = match (col(ACCOUNT_NAME), col(ACCOUNT_ID)) {
        (Some(i), _) => (i, false),
        (None, Some(i)) => (i, true),
        (None, None) => return Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for row in &result.rows {
        let raw = row.get(index).map(Value::to_string).unwrap_or_default();
        let name = if by_id { audience.account(&raw) } else { raw };
        if !name.is_empty() && seen.insert(name.clone()) {
            out.push(one_line(&name));
        }
    }
    out
}

/// A ranking (top-N): the label and count of its first row.
struct Top {
    label: String,
    measure: String,
    value: String,
}

/// The first numeric column that never increases down at least two rows, with the first text column as label.
fn top(result: &QueryResult, audience: &Audience) -> Option<Top> {
    if result.rows.len() < 2 {
        return None;
    }
    let numeric = |ty: &ColumnType| matches!(ty, ColumnType::Integer | ColumnType::Float);
    let as_f64 = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    let measure = result.columns.iter().enumerate().find(|(i, c)| {
        numeric(&c.ty)
            && !c.name.ends_with("port")
            && result.rows.windows(2).all(|w| match (as_f64(&w[0][*i]), as_f64(&w[1][*i])) {
                (Some(a), Some(b)) => a >= b,
                _ => false,
            })
    })?;
    let label_col = result
        .columns
        .iter()
        .position(|c| c.name == ACCOUNT_NAME)
        .or_else(|| result.columns.iter().position(|c| c.ty == ColumnType::Text))?;
    let first = &result.rows[0];
    let raw = first.get(label_col).map(Value::to_string).unwrap_or_default();
    let label = if result.columns[label_col].name == ACCOUNT_ID { audience.account(&raw) } else { raw };
    let value = match &first[measure.0] {
        Value::Int(i) => number(i128::from(*i)),
        other => other.to_string(),
    };
    Some(Top { label: one_line(&label), measure: one_line(&measure.1.name), value })
}

/// How many: the true total when the listing was cut and it is known.
fn count_phrase(result: &QueryResult, total: Option<u64>, language: Language) -> String {
    let shown = result.rows.len();
    let n = |v: usize| number(v as i128);
    match (total.filter(|t| *t > shown as u64), result.truncated, language) {
        (Some(t), _, Language::Ko) => format!("{}건 (그중 {}건 표시)", number(i128::from(t)), n(shown)),
        (Some(t), _, Language::En) => format!("{} rows ({} shown)", number(i128::from(t)), n(shown)),
        (None, true, Language::Ko) => format!("{}건 이상", n(shown)),
        (None, true, Language::En) => format!("more than {} rows", n(shown)),
        (None, false, Language::Ko) => format!("{}건", n(shown)),
        (None, false, Language::En) => format!("{} row{}", n(shown), if shown == 1 { "" } else { "s" }),
    }
}

/// The generic summary of a non-empty result (`total`: what the listing matches in all, when it was cut).
pub fn generic(result: &QueryResult, total: Option<u64>, audience: &Audience) -> String {
    let ko = audience.language == Language::Ko;
    let mut parts = vec![if ko {
        format!("{}을 찾았습니다", count_phrase(result, total, audience.language))
    } else {
        format!("Found {}", count_phrase(result, total, audience.language))
    }];
    if let Some(top) = top(result, audience) {
        parts.push(if ko {
            format!("1위 {} ({} {})", top.label, top.measure, top.value)
        } else {
            format!("top: {} ({} {})", top.label, top.measure, top.value)
        });
    }
    match (time_range(result), ko) {
        ((Some(from), Some(to)), _) => parts.push(audience.span(from, to)),
        ((Some(from), None), true) => parts.push(format!("처음 {}", audience.time(from))),
        ((Some(from), None), false) => parts.push(format!("first on {}", audience.time(from))),
        ((None, Some(to)), true) => parts.push(format!("마지막 {}", audience.time(to))),
        ((None, Some(to)), false) => parts.push(format!("last on {}", audience.time(to))),
        ((None, None), _) => {}
    }
    let accounts = account_names(result, audience);
    if !accounts.is_empty() {
        parts.push(accounts_phrase(&accounts, audience.language));
    }
    format!("{}.", parts.join(" — "))
}

/// "계정 acme-prod, acme-dev 외 2개" / "accounts acme-prod, acme-dev and 2 more".
pub fn accounts_phrase(names: &[String], language: Language) -> String {
    let shown = names.iter().take(NAMED_ACCOUNTS).cloned().collect::<Vec<_>>().join(", ");
    let more = names.len().saturating_sub(NAMED_ACCOUNTS);
    match (language, more, names.len()) {
        (Language::Ko, 0, _) => format!("계정 {shown}"),
        (Language::Ko, m, _) => format!("계정 {shown} 외 {m}개"),
        (Language::En, 0, 1) => format!("account {shown}"),
        (Language::En, 0, _) => format!("accounts {shown}"),
        (Language::En, m, _) => format!("accounts {shown} and {m} more"),
    }
}

/// The window a query searched, read from its `col >= TIMESTAMP '…' AND col < TIMESTAMP '…'` bounds (one lower
/// and one upper bound on the same column); `None` when the SQL has no such pair.
pub fn searched_window(sql: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    static BOUND: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = BOUND.get_or_init(|| {
        regex::Regex::new(r"(?i)([a-z_][a-z0-9_.]*)\s*(>=|<=|>|<)\s*TIMESTAMP\s*'([^']+)'").expect("valid regex")
    });
    let (mut lower, mut upper) = (BTreeSet::new(), BTreeSet::new());
    for cap in re.captures_iter(sql) {
        let bound = (cap[1].to_ascii_lowercase(), parse_time(&cap[3])?);
        if cap[2].starts_with('>') {
            lower.insert(bound)
        } else {
            upper.insert(bound)
        };
    }
    match (lower.len(), upper.len()) {
        (1, 1) => {
            let ((lc, from), (uc, to)) = (lower.pop_first()?, upper.pop_first()?);
            (lc == uc && from < to).then_some((from, to))
        }
        _ => None,
    }
}

/// The answer when the query found nothing, saying which window was searched when the SQL shows it.
pub fn no_rows(sql: &str, audience: &Audience) -> String {
    let note = searched_window(sql).map(|(from, to)| match audience.language {
        Language::Ko => format!(" ({} 검색)", audience.span(from, to)),
        Language::En => format!(" (searched {})", audience.span(from, to)),
    });
    super::answer::no_rows_text(audience.language, note.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests;
