//! Charts for answers: decides whether a query result is a time series or a top-N worth drawing (or nothing),
//! and renders the chosen chart as a PNG with the compiled-in font (`render`, `text`).

use chrono::{DateTime, Utc};

use crate::engines::{ColumnType, QueryResult, Value};

pub mod render;
pub mod text;

pub use render::{ChartError, render_png};

/// Most categories a bar chart shows; more would be unreadable on a phone.
pub const MAX_CATEGORIES: usize = 25;

/// What to draw for a result.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartPlan {
    /// A line over time: (time, value) points in ascending time order.
    TimeSeries {
        /// Name of the numeric column (the y axis label).
        value_label: String,
        /// Points sorted by time.
        points: Vec<(DateTime<Utc>, f64)>,
    },
    /// Horizontal bars: (label, value), in result order.
    TopN {
        /// Name of the numeric column.
        value_label: String,
        /// Bars in result order.
        bars: Vec<(String, f64)>,
    },
}

/// Chooses a chart for `result`, or `None` where a chart would mislead: fewer than two rows, not exactly one
/// time/text column plus one numeric column, NULLs, negative values, a truncated result or too many categories.
pub fn plan(result: &QueryResult) -> Option<ChartPlan> {
    if result.truncated || result.rows.len() < 2 || result.columns.len() != 2 {
        return None;
    }
    let num_idx = result.columns.iter().position(|c| is_numeric(&c.ty))?;
    let key_idx = 1 - num_idx;
    let value_label = result.columns[num_idx].name.clone();
    let values: Vec<f64> = result.rows.iter().map(|r| number(&r[num_idx])).collect::<Option<_>>()?;
    if values.iter().any(|v| *v < 0.0 || !v.is_finite()) {
        return None;
    }
    match result.columns[key_idx].ty {
        ColumnType::Timestamp => {
            let mut points: Vec<(DateTime<Utc>, f64)> = result
                .rows
                .iter()
                .zip(&values)
                .map(|(r, v)| match &r[key_idx] {
                    Value::Timestamp(t) => Some((*t, *v)),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            points.sort_by_key(|(t, _)| *t);
            Some(ChartPlan::TimeSeries { value_label, points })
        }
        ColumnType::Text if result.rows.len() <= MAX_CATEGORIES => {
            let bars = result
                .rows
                .iter()
                .zip(&values)
                .map(|(r, v)| match &r[key_idx] {
                    Value::Text(s) => Some((s.clone(), *v)),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            Some(ChartPlan::TopN { value_label, bars })
        }
        _ => None,
    }
}

fn is_numeric(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Integer | ColumnType::Float)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod render_tests;
