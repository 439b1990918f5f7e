//! Charts for answers: decides whether a query result is a time series or a top-N worth drawing (or nothing),
//! renders the chosen chart as a PNG with the compiled-in font (`render`, `text`) and posts it into an answer's
//! Slack thread (`post`).

use chrono::{DateTime, Utc};

use crate::engines::{ColumnType, QueryResult, Value};

pub mod post;
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

/// The chart for an answer's result, titled with its question, times on the `tz` clock: `Ok(None)` when no chart
/// fits (see [`plan`]).
///
/// # Errors
/// When the PNG cannot be encoded.
pub fn for_answer(answer: &crate::pipeline::Answer, tz: chrono_tz::Tz) -> Result<Option<Vec<u8>>, ChartError> {
    answer.result.as_ref().and_then(plan).map(|p| render_png(&p, &answer.question, tz)).transpose()
}

/// Why [`for_answer`] drew nothing, for people who asked for a chart.
pub const NO_CHART: &str = "no chart fits this answer: a chart needs 2 to 25 rows of one label or time column \
                            and one non-negative number column";

/// Chooses a chart for `result`, or `None` where a chart would mislead: fewer than two rows, no numeric column,
/// NULL or negative values, a truncated result or too many categories.
///
/// The first numeric column is the value; the columns before it are the key: exactly one timestamp (a time series)
/// or one or more text columns (bars labelled with the texts joined by ` · `, so `api_service, api_operation,
/// calls` draws one bar per operation). Columns after the value (a second count, say) are not drawn.
pub fn plan(result: &QueryResult) -> Option<ChartPlan> {
    if result.truncated || result.rows.len() < 2 {
        return None;
    }
    let num_idx = result.columns.iter().position(|c| is_numeric(&c.ty))?;
    let keys = &result.columns[..num_idx];
    let value_label = result.columns[num_idx].name.clone();
    let values: Vec<f64> = result.rows.iter().map(|r| number(&r[num_idx])).collect::<Option<_>>()?;
    if values.iter().any(|v| *v < 0.0 || !v.is_finite()) {
        return None;
    }
    match keys {
        [key] if key.ty == ColumnType::Timestamp => {
            let mut points: Vec<(DateTime<Utc>, f64)> = result
                .rows
                .iter()
                .zip(&values)
                .map(|(r, v)| match &r[0] {
                    Value::Timestamp(t) => Some((*t, *v)),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            points.sort_by_key(|(t, _)| *t);
            Some(ChartPlan::TimeSeries { value_label, points })
        }
        [_, ..] if keys.iter().all(|k| k.ty == ColumnType::Text) && result.rows.len() <= MAX_CATEGORIES => {
            let bars = result.rows.iter().zip(&values).map(|(r, v)| (label(&r[..num_idx]), *v)).collect();
            Some(ChartPlan::TopN { value_label, bars })
        }
        _ => None,
    }
}

/// A bar's label: the key cells joined by ` · `, a NULL shown as `∅`.
fn label(cells: &[Value]) -> String {
    let texts: Vec<String> =
        cells.iter().map(|c| if *c == Value::Null { "∅".to_owned() } else { c.to_string() }).collect();
    texts.join(" · ")
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
