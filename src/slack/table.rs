//! Result rows as a monospace text table: columns aligned by display width (CJK and Hangul count as two),
//! cells truncated, and rows and columns cut to a character budget with "+N more" notes.

use crate::engines::QueryResult;
use crate::engines::format::{display_width, truncate_to_width};

/// Widest cell shown, in display columns.
pub const MAX_CELL_WIDTH: usize = 32;
/// Widest table line, in display columns, before columns are dropped.
pub const MAX_LINE_WIDTH: usize = 160;

/// A rendered table and what did not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTable {
    /// Lines of the table, header and separator first (not escaped).
    pub text: String,
    /// Rows shown.
    pub rows_shown: usize,
    /// Rows left out.
    pub more_rows: usize,
    /// Columns left out.
    pub more_columns: usize,
}

fn pad(s: &str, to: usize, right_align: bool) -> String {
    let fill = " ".repeat(to.saturating_sub(display_width(s)));
    if right_align { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

/// Renders `result` within `budget` characters (of the unescaped text), timestamps on the `tz` clock.
pub fn render(result: &QueryResult, budget: usize, tz: chrono_tz::Tz) -> TextTable {
    let shown = crate::engines::display::shown(result, tz, usize::MAX);
    let header: Vec<String> = shown.header.iter().map(|h| truncate_to_width(h, MAX_CELL_WIDTH)).collect();
    let numeric: Vec<bool> = result
        .columns
        .iter()
        .map(|c| matches!(c.ty, crate::engines::ColumnType::Integer | crate::engines::ColumnType::Float))
        .collect();
    let cells: Vec<Vec<String>> =
        shown.rows.iter().map(|row| row.iter().map(|c| truncate_to_width(c, MAX_CELL_WIDTH)).collect()).collect();
    // Column widths over every row, then keep the columns that fit on one line.
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in &cells {
        for (i, cell) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let mut shown_cols = 0;
    let mut line = 0;
    for w in &widths {
        if shown_cols > 0 && line + 2 + w > MAX_LINE_WIDTH {
            break;
        }
        line += if shown_cols == 0 { *w } else { 2 + w };
        shown_cols += 1;
    }
    let format_row = |row: &[String]| -> String {
        let parts: Vec<String> =
            (0..shown_cols).map(|i| pad(row.get(i).map_or("", String::as_str), widths[i], numeric[i])).collect();
        parts.join("  ").trim_end().to_owned()
    };
    let mut text = format_row(&header);
    text.push('\n');
    text.push_str(&"-".repeat(line));
    let mut rows_shown = 0;
    for row in &cells {
        let next = format_row(row);
        if text.chars().count() + 1 + next.chars().count() > budget {
            break;
        }
        text.push('\n');
        text.push_str(&next);
        rows_shown += 1;
    }
    TextTable { text, rows_shown, more_rows: cells.len() - rows_shown, more_columns: result.columns.len() - shown_cols }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{ColumnMeta, ColumnType, Value};

    fn result(cols: &[(&str, ColumnType)], rows: Vec<Vec<Value>>) -> QueryResult {
        QueryResult {
            columns: cols.iter().map(|(n, t)| ColumnMeta { name: n.to_string(), ty: t.clone() }).collect(),
            rows,
            ..Default::default()
        }
    }

    #[test]
    fn hangul_counts_as_two_columns_so_columns_line_up() {
        let r = result(
            &[("user", ColumnType::Text), ("n", ColumnType::Integer)],
            vec![vec![Value::Text("관리자".into()), Value::Int(5)], vec![Value::Text("admin".into()), Value::Int(12)]],
        );
        let t = render(&r, 1000, chrono_tz::UTC);
        let lines: Vec<&str> = t.text.lines().collect();
        assert_eq!(lines[0], "user     n");
        assert_eq!(lines[2], "관리자   5");
        assert_eq!(lines[3], "admin   12");
        assert_eq!(display_width(lines[2]), display_width(lines[3]));
    }

    #[test]
    fn long_cells_are_cut_and_rows_past_the_budget_are_counted() {
        let long = "x".repeat(100);
        let rows = (0..50).map(|i| vec![Value::Text(long.clone()), Value::Int(i)]).collect();
        let r = result(&[("a", ColumnType::Text), ("b", ColumnType::Integer)], rows);
        let t = render(&r, 500, chrono_tz::UTC);
        assert!(t.text.chars().count() <= 500);
        assert!(t.text.lines().nth(2).unwrap().contains('…'));
        assert_eq!(t.rows_shown + t.more_rows, 50);
        assert!(t.more_rows > 0);
    }

    #[test]
    fn too_many_columns_are_dropped_and_counted() {
        let cols: Vec<(String, ColumnType)> = (0..40).map(|i| (format!("column_{i}"), ColumnType::Text)).collect();
        let cols_ref: Vec<(&str, ColumnType)> = cols.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
        let r = result(&cols_ref, vec![(0..40).map(Value::Int).collect()]);
        let t = render(&r, 3000, chrono_tz::UTC);
        assert!(t.more_columns > 0);
        assert!(t.text.lines().all(|l| display_width(l) <= MAX_LINE_WIDTH));
    }
}
