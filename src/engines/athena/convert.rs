//! Athena result pages to typed rows: Trino type names to column types, text cells to values.

use aws_sdk_athena::types::Row;
use chrono::{NaiveDate, NaiveDateTime};

use crate::engines::{ColumnMeta, ColumnType, Value};

/// Reduces an Athena (Trino) type name to a [`ColumnType`].
pub fn column_type(name: &str) -> ColumnType {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "boolean" => ColumnType::Boolean,
        "tinyint" | "smallint" | "integer" | "int" | "bigint" => ColumnType::Integer,
        "real" | "float" | "double" | "decimal" => ColumnType::Float,
        // A date is a calendar day, not an instant: kept as its text so it is never shifted into a time zone
        // (DuckDB's dates come back as text too).
        "varchar" | "char" | "string" | "json" | "ipaddress" | "uuid" | "date" => ColumnType::Text,
        "timestamp" | "timestamp with time zone" => ColumnType::Timestamp,
        _ if base.starts_with("timestamp") => ColumnType::Timestamp,
        _ => ColumnType::Other(name.to_owned()),
    }
}

/// One result row, typed by `columns`.
pub(super) fn convert_row(row: &Row, columns: &[ColumnMeta]) -> Vec<Value> {
    let data = row.data();
    (0..columns.len().max(data.len()))
        .map(|i| {
            let text = data.get(i).and_then(|d| d.var_char_value());
            let ty = columns.get(i).map(|c| &c.ty).unwrap_or(&ColumnType::Text);
            text.map_or(Value::Null, |t| parse_value(t, ty))
        })
        .collect()
}

/// Parses Athena's text rendering of a value; anything unparseable stays text.
pub fn parse_value(text: &str, ty: &ColumnType) -> Value {
    let parsed = match ty {
        ColumnType::Boolean => text.parse().ok().map(Value::Bool),
        ColumnType::Integer => text.parse().ok().map(Value::Int),
        ColumnType::Float => text.parse().ok().map(Value::Float),
        ColumnType::Timestamp => parse_timestamp(text).map(Value::Timestamp),
        ColumnType::Text | ColumnType::Other(_) => None,
    };
    parsed.unwrap_or_else(|| Value::Text(text.to_owned()))
}

fn parse_timestamp(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let trimmed = text.trim().trim_end_matches(" UTC").trim_end_matches('Z');
    let trimmed = trimmed.replacen('T', " ", 1);
    NaiveDateTime::parse_from_str(&trimmed, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&trimmed, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_type_names_reduce_to_column_types() {
        assert_eq!(column_type("varchar"), ColumnType::Text);
        assert_eq!(column_type("bigint"), ColumnType::Integer);
        assert_eq!(column_type("decimal(10,2)"), ColumnType::Float);
        assert_eq!(column_type("timestamp(3)"), ColumnType::Timestamp);
        assert_eq!(column_type("date"), ColumnType::Text, "a day, not an instant: never shifted into a zone");
        assert_eq!(parse_value("2026-11-30", &column_type("date")), Value::Text("2026-11-30".into()));
        assert_eq!(column_type("array(varchar)"), ColumnType::Other("array(varchar)".into()));
    }

    #[test]
    fn athena_text_values_parse_by_type() {
        assert_eq!(parse_value("42", &ColumnType::Integer), Value::Int(42));
        assert_eq!(parse_value("true", &ColumnType::Boolean), Value::Bool(true));
        let ts = parse_value("2026-11-20 03:04:05.123", &ColumnType::Timestamp);
        assert!(matches!(ts, Value::Timestamp(t) if t.timestamp() == 1_795_143_845));
        assert_eq!(parse_value("n/a", &ColumnType::Integer), Value::Text("n/a".into()));
    }
}
