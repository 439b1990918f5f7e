//! Result cells as an asker reads them: timestamps on the asker's wall clock (`[pipeline] timezone`), the zone
//! named in the column header, so a table agrees with the answer above it. Shared by the Slack and terminal
//! answer tables; CSV downloads and `asklake sql` keep UTC.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{QueryResult, Value};

/// Header and cell texts of a result for a reader in one time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// Column names; a column holding timestamps gets its zone appended (`last_login (KST)`).
    pub header: Vec<String>,
    /// Cell texts, row by row; timestamps in the reader's zone, NULL as an empty cell.
    pub rows: Vec<Vec<String>>,
}

/// `result`'s first `max_rows` rows as text for a reader in `tz`.
pub fn shown(result: &QueryResult, tz: Tz, max_rows: usize) -> Shown {
    let header = result
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let first = result.rows.iter().find_map(|r| match r.get(i) {
                Some(Value::Timestamp(t)) => Some(*t),
                _ => None,
            });
            match first {
                Some(t) => format!("{} ({})", c.name, zone_name(t, tz)),
                None => c.name.clone(),
            }
        })
        .collect();
    let rows = result.rows.iter().take(max_rows).map(|r| r.iter().map(|v| cell(v, tz)).collect()).collect();
    Shown { header, rows }
}

/// `tz`'s abbreviation at `t` ("KST", "UTC", "+0530" where the zone has none): how answers, tables and charts
/// name the zone they show.
pub fn zone_name(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Z").to_string()
}

/// One cell's text for a reader in `tz`.
pub fn cell(value: &Value, tz: Tz) -> String {
    match value {
        Value::Timestamp(t) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::engines::{ColumnMeta, ColumnType};

    fn result() -> QueryResult {
        let col = |n: &str, ty| ColumnMeta { name: n.into(), ty };
        QueryResult {
            columns: vec![col("actor", ColumnType::Text), col("last_login", ColumnType::Timestamp)],
            rows: vec![
                vec![Value::Text("alice".into()), Value::Null],
                vec![
                    Value::Text("bob".into()),
                    Value::Timestamp(Utc.with_ymd_and_hms(2026, 12, 2, 17, 21, 0).unwrap()),
                ],
            ],
            ..QueryResult::default()
        }
    }

    #[test]
    fn timestamps_are_on_the_readers_clock_and_the_header_names_the_zone() {
        let seoul = shown(&result(), chrono_tz::Asia::Seoul, 10);
        assert_eq!(seoul.header, vec!["actor", "last_login (KST)"]);
        assert_eq!(seoul.rows[1], vec!["bob", "2026-12-03 02:21:00"], "17:21 UTC is 02:21 the next day in Seoul");
        assert_eq!(seoul.rows[0], vec!["alice", ""]);
        let utc = shown(&result(), chrono_tz::UTC, 1);
        assert_eq!(utc.header[1], "last_login (UTC)");
        assert_eq!(utc.rows.len(), 1, "max_rows");
    }

    #[test]
    fn a_column_without_timestamps_keeps_its_name_and_text() {
        let mut r = result();
        r.rows.truncate(1);
        let s = shown(&r, chrono_tz::Asia::Seoul, 10);
        assert_eq!(s.header, vec!["actor", "last_login"], "no timestamp seen, no zone claimed");
    }
}
