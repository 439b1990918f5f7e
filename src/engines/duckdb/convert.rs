//! DuckDB result types and values → the engine-neutral [`ColumnType`] and [`Value`].

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use duckdb::arrow::datatypes::DataType;
use duckdb::types::{TimeUnit, Value as Dv};

use crate::engines::{ColumnType, Value};

/// Reduces an Arrow column type to what rendering needs.
pub fn column_type(dt: &DataType) -> ColumnType {
    match dt {
        DataType::Boolean => ColumnType::Boolean,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => ColumnType::Integer,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => ColumnType::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => ColumnType::Float,
        DataType::Decimal128(..) | DataType::Decimal256(..) => ColumnType::Float,
        // Dates are calendar days, returned as text (see `value`), never shifted into a zone.
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Date32 => ColumnType::Text,
        DataType::Timestamp(..) => ColumnType::Timestamp,
        other => ColumnType::Other(other.to_string()),
    }
}

/// Converts one cell; nested values (lists, structs, maps) become text.
pub fn value(v: Dv) -> Value {
    match v {
        Dv::Null => Value::Null,
        Dv::Boolean(b) => Value::Bool(b),
        Dv::TinyInt(i) => Value::Int(i.into()),
        Dv::SmallInt(i) => Value::Int(i.into()),
        Dv::Int(i) => Value::Int(i.into()),
        Dv::BigInt(i) => Value::Int(i),
        Dv::UTinyInt(i) => Value::Int(i.into()),
        Dv::USmallInt(i) => Value::Int(i.into()),
        Dv::UInt(i) => Value::Int(i.into()),
        Dv::UBigInt(i) => i64::try_from(i).map_or_else(|_| Value::Text(i.to_string()), Value::Int),
        Dv::HugeInt(i) => i64::try_from(i).map_or_else(|_| Value::Text(i.to_string()), Value::Int),
        Dv::UHugeInt(i) => i64::try_from(i).map_or_else(|_| Value::Text(i.to_string()), Value::Int),
        Dv::Float(x) => Value::Float(x.into()),
        Dv::Double(x) => Value::Float(x),
        Dv::Decimal(d) => d.to_string().parse().map_or_else(|_| Value::Text(d.to_string()), Value::Float),
        Dv::Timestamp(unit, n) => timestamp(unit, n).map_or_else(|| Value::Text(n.to_string()), Value::Timestamp),
        Dv::Text(s) | Dv::Enum(s) => Value::Text(s),
        other => Value::Text(render(&other)),
    }
}

fn timestamp(unit: TimeUnit, n: i64) -> Option<DateTime<Utc>> {
    match unit {
        TimeUnit::Second => DateTime::from_timestamp(n, 0),
        TimeUnit::Millisecond => DateTime::from_timestamp_millis(n),
        TimeUnit::Microsecond => DateTime::from_timestamp_micros(n),
        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(n)),
    }
}

/// Text form of any DuckDB value, used for nested values.
pub fn render(v: &Dv) -> String {
    match v {
        Dv::Null => "NULL".into(),
        Dv::Text(s) | Dv::Enum(s) => s.clone(),
        Dv::Blob(b) | Dv::Geometry(b) => format!("<{} bytes>", b.len()),
        Dv::Date32(days) => NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|d| d.checked_add_signed(TimeDelta::days((*days).into())))
            .map_or_else(|| days.to_string(), |d| d.to_string()),
        Dv::Time64(unit, n) => {
            let micros = match unit {
                TimeUnit::Second => n * 1_000_000,
                TimeUnit::Millisecond => n * 1_000,
                TimeUnit::Microsecond => *n,
                TimeUnit::Nanosecond => n / 1_000,
            };
            let secs = micros / 1_000_000;
            format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
        }
        Dv::Interval { months, days, nanos } => format!("{months} months {days} days {}s", nanos / 1_000_000_000),
        Dv::List(items) | Dv::Array(items) => format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", ")),
        Dv::Struct(fields) => {
            format!("{{{}}}", fields.iter().map(|(k, v)| format!("{k}: {}", render(v))).collect::<Vec<_>>().join(", "))
        }
        Dv::Map(entries) => format!(
            "{{{}}}",
            entries.iter().map(|(k, v)| format!("{}={}", render(k), render(v))).collect::<Vec<_>>().join(", ")
        ),
        Dv::Union(inner) => render(inner),
        Dv::Timestamp(unit, n) => {
            timestamp(*unit, *n).map_or_else(|| n.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        }
        other => match value(other.clone()) {
            Value::Text(s) => s,
            v => v.to_string(),
        },
    }
}
