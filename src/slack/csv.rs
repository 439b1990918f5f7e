//! CSV of a stored result for the "Download CSV" button (RFC 4180 quoting; cells that a spreadsheet would run
//! as a formula are prefixed with `'`).

use crate::store::threads::StoredResult;

fn cell(out: &mut String, value: &str) {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
    }
}

fn line(out: &mut String, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

/// The result as CSV with a header row.
pub fn to_csv(result: &StoredResult) -> Vec<u8> {
    let mut out = String::new();
    line(&mut out, &result.columns);
    for row in &result.rows {
        line(&mut out, row);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_quotes_and_newlines_and_defuses_formulas() {
        let r = StoredResult {
            columns: vec!["a".into(), "b".into()],
            rows: vec![
                vec!["x,y".into(), "say \"hi\"".into()],
                vec!["=HYPERLINK(\"http://x\")".into(), "-5".into()],
                vec!["관리자".into(), "line\nbreak".into()],
            ],
            truncated: false,
        };
        let text = String::from_utf8(to_csv(&r)).unwrap();
        assert_eq!(
            text,
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"'=HYPERLINK(\"\"http://x\"\")\",-5\r\n관리자,\"line\nbreak\"\r\n"
        );
    }

    #[test]
    fn times_in_a_download_are_utc_and_the_header_says_so() {
        use chrono::TimeZone;

        use crate::engines::{ColumnMeta, ColumnType, QueryResult, Value};
        let login = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 17, 21, 0).unwrap();
        let result = QueryResult {
            columns: vec![ColumnMeta { name: "last_login".into(), ty: ColumnType::Timestamp }],
            rows: vec![vec![Value::Timestamp(login)]],
            ..QueryResult::default()
        };
        let text = String::from_utf8(to_csv(&StoredResult::from_query(&result))).unwrap();
        assert_eq!(text, "last_login (UTC)\r\n2026-12-02 17:21:00\r\n");
    }
}
