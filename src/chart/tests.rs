use chrono::TimeZone;

use super::*;
use crate::engines::ColumnMeta;

fn col(name: &str, ty: ColumnType) -> ColumnMeta {
    ColumnMeta { name: name.into(), ty }
}

fn result(columns: Vec<ColumnMeta>, rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult { columns, rows, ..Default::default() }
}

fn hour(h: u32) -> Value {
    Value::Timestamp(Utc.with_ymd_and_hms(2026, 11, 29, h, 0, 0).unwrap())
}

#[test]
fn counts_per_hour_are_a_time_series_sorted_by_time() {
    let r = result(
        vec![col("hour", ColumnType::Timestamp), col("events", ColumnType::Integer)],
        vec![vec![hour(3), Value::Int(5)], vec![hour(1), Value::Int(2)], vec![hour(2), Value::Int(0)]],
    );
    let Some(ChartPlan::TimeSeries { value_label, points }) = plan(&r) else { panic!("expected a time series") };
    assert_eq!(value_label, "events");
    assert_eq!(points.iter().map(|p| p.1).collect::<Vec<_>>(), vec![2.0, 0.0, 5.0]);
}

#[test]
fn top_accounts_are_bars_in_result_order() {
    let r = result(
        vec![col("account", ColumnType::Text), col("n", ColumnType::Integer)],
        vec![vec![Value::Text("운영".into()), Value::Int(9)], vec![Value::Text("acme-dev".into()), Value::Int(4)]],
    );
    let Some(ChartPlan::TopN { bars, .. }) = plan(&r) else { panic!("expected bars") };
    assert_eq!(bars, vec![("운영".to_string(), 9.0), ("acme-dev".to_string(), 4.0)]);
}

#[test]
fn no_chart_where_it_would_mislead() {
    let two = |a: Value, b: Value| vec![a, b];
    let text_num = vec![col("k", ColumnType::Text), col("n", ColumnType::Integer)];
    // One row.
    assert_eq!(plan(&result(text_num.clone(), vec![two(Value::Text("a".into()), Value::Int(1))])), None);
    // Text only.
    let text_text = vec![col("k", ColumnType::Text), col("v", ColumnType::Text)];
    let rows = (0..3).map(|i| two(Value::Text(i.to_string()), Value::Text("x".into()))).collect();
    assert_eq!(plan(&result(text_text, rows)), None);
    // Negative values.
    let rows = vec![two(Value::Text("a".into()), Value::Int(-1)), two(Value::Text("b".into()), Value::Int(3))];
    assert_eq!(plan(&result(text_num.clone(), rows)), None);
    // Too many categories.
    let rows = (0..=MAX_CATEGORIES as i64).map(|i| two(Value::Text(i.to_string()), Value::Int(i))).collect();
    assert_eq!(plan(&result(text_num.clone(), rows)), None);
    // Three columns.
    // A time column beside a text column (several series in one line would mislead).
    let mixed = vec![col("hour", ColumnType::Timestamp), col("k", ColumnType::Text), col("n", ColumnType::Integer)];
    let rows = (1..4).map(|i| vec![hour(i), Value::Text(i.to_string()), Value::Int(i.into())]).collect();
    assert_eq!(plan(&result(mixed, rows)), None);
    // A number before the text (the key must come first).
    let num_text = vec![col("n", ColumnType::Integer), col("k", ColumnType::Text)];
    let rows = (0..3).map(|i| two(Value::Int(i), Value::Text(i.to_string()))).collect();
    assert_eq!(plan(&result(num_text, rows)), None);
    // A truncated result.
    let rows = (0..3).map(|i| two(Value::Text(i.to_string()), Value::Int(i))).collect();
    assert_eq!(plan(&QueryResult { truncated: true, ..result(text_num.clone(), rows) }), None);
    // NULL value.
    let rows = vec![two(Value::Text("a".into()), Value::Null), two(Value::Text("b".into()), Value::Int(3))];
    assert_eq!(plan(&result(text_num, rows)), None);
}

#[test]
fn several_label_columns_make_one_bar_each_on_the_first_count() {
    let cols = vec![
        col("api_service", ColumnType::Text),
        col("api_operation", ColumnType::Text),
        col("calls", ColumnType::Integer),
        col("principals", ColumnType::Integer),
    ];
    let row = |s: &str, o: Value, n: i64| vec![Value::Text(s.into()), o, Value::Int(n), Value::Int(1)];
    let r = result(cols, vec![row("ec2", Value::Text("RunInstances".into()), 7), row("s3", Value::Null, 3)]);
    let Some(ChartPlan::TopN { value_label, bars }) = plan(&r) else { panic!("expected bars") };
    assert_eq!(value_label, "calls");
    assert_eq!(bars, vec![("ec2 · RunInstances".to_string(), 7.0), ("s3 · ∅".to_string(), 3.0)]);
}
