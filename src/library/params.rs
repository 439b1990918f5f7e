//! Entry parameters: kinds, `{{ name }}` placeholders, rendering into SQL literals, and their checks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::entry::Entry;

/// The parameter kinds an entry may declare; the name in `params` is the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamKind {
    /// Time window; renders `{{ start }}` and `{{ end }}`.
    Window,
    /// An IPv4 address.
    Ip,
    /// A 12-digit AWS account id.
    Account,
    /// An ARN or IAM user name.
    Principal,
    /// A TCP/UDP port number.
    Port,
    /// An AWS region name.
    Region,
}

/// All kinds, for messages.
pub const KINDS: &str = "window, ip, account, principal, port, region";

impl ParamKind {
    /// Kind for a declared parameter name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "window" => Self::Window,
            "ip" => Self::Ip,
            "account" => Self::Account,
            "principal" => Self::Principal,
            "port" => Self::Port,
            "region" => Self::Region,
            _ => return None,
        })
    }

    /// Name as declared and used in placeholders.
    pub fn name(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Ip => "ip",
            Self::Account => "account",
            Self::Principal => "principal",
            Self::Port => "port",
            Self::Region => "region",
        }
    }

    /// A harmless value used to render required parameters when checking or showing an entry.
    pub fn example(self) -> &'static str {
        match self {
            Self::Window => "7d",
            Self::Ip => "192.0.2.10",
            Self::Account => "111122223333",
            Self::Principal => "example-user",
            Self::Port => "22",
            Self::Region => "us-east-1",
        }
    }

    /// Whether `value` is well formed for this kind.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Self::Window => parse_window(value).is_some(),
            Self::Ip => value.parse::<std::net::Ipv4Addr>().is_ok(),
            Self::Account => value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
            Self::Principal => {
                !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_:/-".contains(c))
            }
            Self::Port => value.parse::<u16>().is_ok(),
            Self::Region => REGION.is_match(value),
        }
    }
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").unwrap());
static REGION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z]{2}(-gov)?-[a-z]+-\d$").unwrap());

/// Parses a default window like `24h`, `7d` or `2w` into a duration.
pub fn parse_window(value: &str) -> Option<Duration> {
    let value = value.trim();
    let (num, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    match unit {
        "h" => Some(Duration::hours(n)),
        "d" => Some(Duration::days(n)),
        "w" => Some(Duration::weeks(n)),
        _ => None,
    }
}

/// A resolved time window, `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
}

/// Values for an entry's placeholders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Values {
    /// The time window.
    pub window: Option<Window>,
    /// Other parameters by kind.
    pub scalars: BTreeMap<ParamKind, String>,
    /// The asker's UTC offset in minutes; `{{ local_time }}` renders `event_time` shifted by it.
    pub utc_offset_minutes: i32,
}

/// `tz`'s offset from UTC at `now`, in minutes (DST included).
pub fn utc_offset_minutes(now: DateTime<Utc>, tz: chrono_tz::Tz) -> i32 {
    use chrono::Offset;
    now.with_timezone(&tz).offset().fix().local_minus_utc() / 60
}

/// `event_time` on the asker's wall clock: shifted by the offset (engines store UTC and DuckDB has no zones), so
/// `hour({{ local_time }}) < 6` means "before 6 am where the asker is". An additive expression: use it as a
/// function argument or in a comparison.
pub fn local_time_sql(utc_offset_minutes: i32) -> String {
    let sign = if utc_offset_minutes < 0 { '-' } else { '+' };
    match utc_offset_minutes.unsigned_abs() {
        0 => "event_time".to_owned(),
        m if m % 60 == 0 => format!("event_time {sign} INTERVAL '{}' HOUR", m / 60),
        m => format!("event_time {sign} INTERVAL '{m}' MINUTE"),
    }
}

/// Placeholder names used in `sql`, in order of first use.
pub fn placeholders(sql: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    PLACEHOLDER.captures_iter(sql).map(|c| c[1].to_string()).filter(|name| seen.insert(name.clone())).collect()
}

fn timestamp_literal(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Renders `sql` with `values`; a placeholder without a value is an error naming it.
pub fn render(sql: &str, values: &Values) -> Result<String, String> {
    let mut missing = Vec::new();
    let out = PLACEHOLDER.replace_all(sql, |c: &regex::Captures<'_>| {
        let name = &c[1];
        let rendered = match name {
            "start" => values.window.map(|w| timestamp_literal(w.start)),
            "end" => values.window.map(|w| timestamp_literal(w.end)),
            "local_time" => Some(local_time_sql(values.utc_offset_minutes)),
            _ => ParamKind::from_name(name).and_then(|kind| {
                values.scalars.get(&kind).map(|v| if kind == ParamKind::Port { v.clone() } else { quote(v) })
            }),
        };
        rendered.unwrap_or_else(|| {
            missing.push(name.to_string());
            c[0].to_string()
        })
    });
    if missing.is_empty() { Ok(out.into_owned()) } else { Err(format!("no value for {}", missing.join(", "))) }
}

/// Values from the entry's defaults, with `example` values for required parameters, windowed back from `now`.
pub fn defaults_with_examples(entry: &Entry, now: DateTime<Utc>) -> Values {
    let mut values = Values::default();
    for (kind, default) in entry.param_kinds() {
        let value = if default.is_empty() { kind.example() } else { default };
        if kind == ParamKind::Window {
            let span = parse_window(value).unwrap_or(Duration::days(7));
            values.window = Some(Window { start: now - span, end: now });
        } else {
            values.scalars.insert(kind, value.to_string());
        }
    }
    values
}

/// Placeholder and SQL problems of one entry.
pub fn problems(entry: &Entry) -> Vec<String> {
    let mut out = Vec::new();
    for (name, default) in &entry.params {
        match ParamKind::from_name(name) {
            None => out.push(format!("unknown parameter `{name}`; known parameters: {KINDS}")),
            Some(kind) if !default.is_empty() && !kind.accepts(default) => {
                out.push(format!("parameter `{name}` has an invalid default `{default}`"))
            }
            Some(_) => {}
        }
    }
    let used = placeholders(&entry.sql);
    for name in &used {
        let declared = match name.as_str() {
            "start" | "end" => entry.params.contains_key("window"),
            "local_time" => true,
            other => entry.params.contains_key(other) && other != "window",
        };
        if !declared {
            out.push(format!("placeholder `{{{{ {name} }}}}` is not declared in `params`"));
        }
    }
    for name in entry.params.keys() {
        let is_used = match name.as_str() {
            "window" => used.iter().any(|u| u == "start"),
            other => used.iter().any(|u| u == other),
        };
        if !is_used {
            out.push(format!("parameter `{name}` is declared but never used in the SQL"));
        }
    }
    if !entry.params.contains_key("window") || !entry.sql.contains("event_time") {
        out.push("the SQL must filter on `event_time` through `{{ start }}` (declare `window`)".into());
    }
    if out.is_empty() {
        let rendered = render(&entry.sql, &defaults_with_examples(entry, Utc::now()));
        match rendered.map(|sql| Parser::parse_sql(&GenericDialect {}, &sql).map_err(|e| e.to_string())) {
            Err(e) | Ok(Err(e)) => out.push(format!("SQL does not parse: {e}")),
            Ok(Ok(statements)) if statements.len() != 1 => {
                out.push(format!("SQL must be exactly one statement, found {}", statements.len()))
            }
            Ok(Ok(statements)) if !matches!(statements[0], sqlparser::ast::Statement::Query(_)) => {
                out.push("SQL must be a read-only SELECT query".into())
            }
            Ok(Ok(_)) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn placeholders_render_as_literals_and_quotes_are_escaped() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let mut values = Values { window: Some(Window { start: t, end: t }), ..Values::default() };
        values.scalars.insert(ParamKind::Principal, "o'brien".into());
        values.scalars.insert(ParamKind::Port, "22".into());
        let sql = render("a >= {{ start }} AND b = {{principal}} AND p = {{ port }}", &values).unwrap();
        assert_eq!(sql, "a >= TIMESTAMP '2026-01-02 03:04:05' AND b = 'o''brien' AND p = 22");
        assert_eq!(render("x = {{ ip }}", &values).unwrap_err(), "no value for ip");
    }

    #[test]
    fn windows_and_values_are_checked_by_kind() {
        assert_eq!(parse_window("24h"), Some(Duration::hours(24)));
        assert_eq!(parse_window("7d"), Some(Duration::days(7)));
        assert_eq!(parse_window("0d"), None);
        assert!(ParamKind::Ip.accepts("10.0.0.1") && !ParamKind::Ip.accepts("10.0.0.256"));
        assert!(ParamKind::Account.accepts("111122223333") && !ParamKind::Account.accepts("1111"));
        assert!(!ParamKind::Principal.accepts("x' OR '1'='1"));
    }

    #[test]
    fn local_time_is_event_time_on_the_askers_wall_clock_at_the_time_of_asking() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 15, 12, 0, 0).unwrap();
        let local = |now, tz| {
            let values = Values { utc_offset_minutes: utc_offset_minutes(now, tz), ..Values::default() };
            render("hour({{ local_time }}) < 6", &values).unwrap()
        };
        assert_eq!(local(winter, chrono_tz::Asia::Seoul), "hour(event_time + INTERVAL '9' HOUR) < 6");
        assert_eq!(local(winter, chrono_tz::America::New_York), "hour(event_time - INTERVAL '5' HOUR) < 6");
        assert_eq!(local(summer, chrono_tz::America::New_York), "hour(event_time - INTERVAL '4' HOUR) < 6");
        assert_eq!(local(winter, chrono_tz::Asia::Kolkata), "hour(event_time + INTERVAL '330' MINUTE) < 6");
        assert_eq!(local(winter, chrono_tz::UTC), "hour(event_time) < 6");
    }
}
