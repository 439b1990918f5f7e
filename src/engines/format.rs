//! Result rendering for terminals and files: an aligned text table (wide Korean characters counted as two
//! columns, long cells cut), CSV, and JSON lines. Shared by `asklake sql` and `asklake ask`.

use std::fmt::Write as _;

use super::{ColumnType, QueryResult, Value};
use crate::cli::OutputFormat;

/// Longest cell shown in a text table, in terminal columns.
pub const DEFAULT_MAX_CELL_WIDTH: usize = 60;

/// Renders `result` in `format` (text tables use [`DEFAULT_MAX_CELL_WIDTH`]).
pub fn render(result: &QueryResult, format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => table(result, DEFAULT_MAX_CELL_WIDTH),
        OutputFormat::Csv => csv(result),
        OutputFormat::Json => json_lines(result),
    }
}

/// Terminal columns `s` takes: East Asian wide and fullwidth characters count two, combining marks zero.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Terminal (and monospace Slack) columns one character takes: 2 for East Asian wide and fullwidth characters,
/// 0 for combining marks, zero-width characters and controls.
pub fn char_width(c: char) -> usize {
    let cp = c as u32;
    let zero = matches!(cp, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F) || c.is_control();
    let wide = matches!(
        cp,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF
            | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD
    );
    if zero {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// Cuts `s` to at most `max` columns, ending with `…` when cut; control characters (newlines, tabs) become spaces.
pub fn truncate_to_width(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if display_width(&flat) <= max {
        return flat;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in flat.chars() {
        let w = char_width(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// An aligned text table with a header and a separator line; numbers are right-aligned; times in UTC, said in
/// the header.
pub fn table(result: &QueryResult, max_cell_width: usize) -> String {
    table_in(result, max_cell_width, chrono_tz::UTC, usize::MAX)
}

/// [`table`] of the first `max_rows` rows, with times on the `tz` clock ([`super::display`]).
pub fn table_in(result: &QueryResult, max_cell_width: usize, tz: chrono_tz::Tz, max_rows: usize) -> String {
    let max = max_cell_width.max(4);
    let shown = super::display::shown(result, tz, max_rows);
    let header: Vec<String> = shown.header.iter().map(|h| truncate_to_width(h, max)).collect();
    let body: Vec<Vec<String>> =
        shown.rows.iter().map(|row| row.iter().map(|c| truncate_to_width(c, max)).collect()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in &body {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(cell));
            }
        }
    }
    let right: Vec<bool> =
        result.columns.iter().map(|c| matches!(c.ty, ColumnType::Integer | ColumnType::Float)).collect();
    let mut out = String::new();
    push_line(&mut out, &header, &widths, &vec![false; widths.len()]);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("-+-"));
    out.push('\n');
    for row in &body {
        push_line(&mut out, row, &widths, &right);
    }
    out
}

fn push_line(out: &mut String, cells: &[String], widths: &[usize], right: &[bool]) {
    let mut parts = Vec::with_capacity(cells.len());
    for (i, cell) in cells.iter().enumerate() {
        let pad = " ".repeat(widths.get(i).copied().unwrap_or(0).saturating_sub(display_width(cell)));
        parts.push(if right.get(i).copied().unwrap_or(false) {
            format!("{pad}{cell}")
        } else {
            format!("{cell}{pad}")
        });
    }
    out.push_str(parts.join(" | ").trim_end());
    out.push('\n');
}

/// CSV with a header row (RFC 4180 quoting).
pub fn csv(result: &QueryResult) -> String {
    let mut out = String::new();
    let header: Vec<String> = result.columns.iter().map(|c| csv_field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for row in &result.rows {
        let cells: Vec<String> = row.iter().map(|v| csv_field(&v.to_string())).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// One JSON object per row, keys in column order; timestamps as RFC 3339 UTC.
pub fn json_lines(result: &QueryResult) -> String {
    let mut out = String::new();
    for row in &result.rows {
        out.push('{');
        for (i, (col, v)) in result.columns.iter().zip(row).enumerate() {
            if i > 0 {
                out.push(',');
            }
            let key = serde_json::to_string(&col.name).unwrap_or_default();
            let value = match v {
                Value::Float(x) if !x.is_finite() => "null".to_owned(),
                other => serde_json::to_string(other).unwrap_or_else(|_| "null".into()),
            };
            let _ = write!(out, "{key}:{value}");
        }
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::ColumnMeta;

    fn result() -> QueryResult {
        QueryResult {
            columns: vec![
                ColumnMeta { name: "actor".into(), ty: ColumnType::Text },
                ColumnMeta { name: "n".into(), ty: ColumnType::Integer },
            ],
            rows: vec![
                vec![Value::Text("관리자".into()), Value::Int(7)],
                vec![Value::Text("bob, \"the\" builder".into()), Value::Int(12345)],
                vec![Value::Null, Value::Int(1)],
            ],
            ..Default::default()
        }
    }

    #[test]
    fn korean_text_counts_two_columns_per_character_and_columns_line_up() {
        assert_eq!(display_width("관리자"), 6);
        let t = table(&result(), 60);
        let lines: Vec<&str> = t.lines().collect();
        let bar = |l: &str| display_width(&l[..l.find('|').unwrap()]);
        assert_eq!(bar(lines[0]), bar(lines[2]));
        assert_eq!(bar(lines[2]), bar(lines[3]));
        assert!(lines[3].ends_with("12345") && lines[2].ends_with("    7"), "{t}");
    }

    #[test]
    fn long_cells_are_cut_with_an_ellipsis() {
        let s = truncate_to_width(&"가".repeat(40), 11);
        assert!(display_width(&s) <= 11 && s.ends_with('…'), "{s}");
        assert_eq!(truncate_to_width("a\nb", 10), "a b");
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let c = csv(&result());
        assert_eq!(c.lines().nth(2).unwrap(), "\"bob, \"\"the\"\" builder\",12345");
        assert_eq!(c.lines().next().unwrap(), "actor,n");
    }

    #[test]
    fn json_lines_keep_column_order_and_types() {
        let j = json_lines(&result());
        assert_eq!(j.lines().next().unwrap(), r#"{"actor":"관리자","n":7}"#);
        assert_eq!(j.lines().nth(2).unwrap(), r#"{"actor":null,"n":1}"#);
    }
}
