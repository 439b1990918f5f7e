//! Lenient `eventTime` reading: RFC 3339, the space-separated `YYYY-MM-DD HH:MM:SS[.fff]` form, and Unix epochs.
//!
//! A time that reads none of these ways is "no usable time"; the caller keeps the record and shows when it was
//! received instead (see [`CtEvent::time_unknown`](super::envelope::CtEvent::time_unknown)).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::value::RawValue;

use super::rawjson::scalar_text;

/// Epoch values at or above this are milliseconds (1e11 seconds is the year 5138; 1e11 ms is 1973).
const MILLIS_FROM: f64 = 1e11;

/// Zone-less layouts, read as UTC (CloudTrail's own times are UTC).
const NAIVE_LAYOUTS: &[&str] = &["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];

/// Zoned layouts besides RFC 3339 proper: a space instead of `T`, and offsets without a colon.
const ZONED_LAYOUTS: &[&str] = &["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"];

/// The time a JSON value (a string or a number) gives, or `None` when it gives no usable time.
pub fn from_json(value: &RawValue) -> Option<DateTime<Utc>> {
    let text = scalar_text(value)?;
    if value.get().starts_with('"') { from_text(&text) } else { from_epoch(&text) }
}

/// Reads RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` (UTC unless an offset follows), or an epoch in a string.
pub fn from_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let upper = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    for layout in NAIVE_LAYOUTS {
        if let Ok(t) = NaiveDateTime::parse_from_str(upper, layout) {
            return Some(t.and_utc());
        }
    }
    for layout in ZONED_LAYOUTS {
        if let Ok(t) = DateTime::parse_from_str(text, layout) {
            return Some(t.with_timezone(&Utc));
        }
    }
    from_epoch(text)
}

/// Reads seconds (fractions allowed) or milliseconds since 1970; negative, non-finite or unrepresentable → `None`.
pub fn from_epoch(text: &str) -> Option<DateTime<Utc>> {
    let n: f64 = text.trim().parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let millis = if n >= MILLIS_FROM { n } else { n * 1000.0 };
    if millis > i64::MAX as f64 {
        return None;
    }
    DateTime::from_timestamp_millis(millis.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn json(v: &str) -> Option<DateTime<Utc>> {
        from_json(&RawValue::from_string(v.to_owned()).unwrap())
    }

    #[test]
    fn rfc3339_space_separated_and_zone_less_forms_all_read() {
        let want = at("2026-11-22T01:02:03Z");
        for text in [
            "2026-11-22T01:02:03Z",
            "2026-11-22T10:02:03+09:00",
            "2026-11-22 01:02:03",
            "2026-11-22 01:02:03Z",
            "2026-11-22T01:02:03",
            "2026-11-22 10:02:03+0900",
            " 2026-11-22 01:02:03 ",
        ] {
            assert_eq!(from_text(text), Some(want), "{text}");
        }
        assert_eq!(from_text("2026-11-22 01:02:03.250"), Some(at("2026-11-22T01:02:03.250Z")));
    }

    #[test]
    fn epochs_in_seconds_or_milliseconds_read_as_numbers_or_strings() {
        let want = at("2026-11-22T01:02:03Z");
        let secs = want.timestamp();
        assert_eq!(json(&secs.to_string()), Some(want));
        assert_eq!(json(&(secs * 1000).to_string()), Some(want));
        assert_eq!(json(&format!("\"{secs}\"")), Some(want));
        assert_eq!(json(&format!("{secs}.5")), Some(at("2026-11-22T01:02:03.500Z")));
    }

    #[test]
    fn anything_else_is_no_usable_time() {
        for v in ["\"yesterday\"", "\"\"", "null", "true", "{}", "[1]", "-5", "1e300", "\"2026-13-40 99:00:00\""] {
            assert_eq!(json(v), None, "{v}");
        }
        assert_eq!(from_epoch("NaN"), None);
        assert_eq!(from_text(&"9".repeat(80)), None);
    }
}
