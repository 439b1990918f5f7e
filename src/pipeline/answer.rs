//! The short answer: a model summary grounded in the first rows, or a deterministic one when there is no model.

use serde_json::json;

use super::Language;
use crate::engines::QueryResult;
use crate::llm::{ChatMessage, GenerationRequest, Llm, Usage};
use crate::templates::Templates;

/// Rows shown to the model for the summary.
pub const SUMMARY_ROWS: usize = 20;
/// Longest cell shown to the model.
const CELL_CHARS: usize = 120;

/// A compact pipe table of the first `max_rows` rows, cells cut at 120 characters.
pub fn render_rows(result: &QueryResult, max_rows: usize) -> String {
    let clean = |s: String| {
        let one_line = s.replace(['\n', '\r', '|'], " ");
        if one_line.chars().count() > CELL_CHARS {
            format!("{}…", one_line.chars().take(CELL_CHARS).collect::<String>())
        } else {
            one_line
        }
    };
    let mut out =
        format!("| {} |\n", result.columns.iter().map(|c| clean(c.name.clone())).collect::<Vec<_>>().join(" | "));
    for row in result.rows.iter().take(max_rows) {
        out.push_str(&format!("| {} |\n", row.iter().map(|v| clean(v.to_string())).collect::<Vec<_>>().join(" | ")));
    }
    out
}

/// Summary without a model: the row count and the first row, in `language`.
pub fn deterministic_summary(result: &QueryResult, language: Language) -> String {
    let n = result.rows.len();
    let more = if result.truncated { "+" } else { "" };
    let first = result.rows.first().map(|row| {
        result.columns.iter().zip(row).take(4).map(|(c, v)| format!("{}={}", c.name, v)).collect::<Vec<_>>().join(", ")
    });
    match (language, first) {
        (Language::Ko, Some(first)) => format!("{n}{more}건을 찾았습니다. 첫 행: {first}"),
        (Language::Ko, None) => "조건에 맞는 이벤트가 없습니다.".into(),
        (Language::En, Some(first)) => {
            let noun = if n == 1 { "row" } else { "rows" };
            format!("Found {n}{more} {noun}. First: {first}")
        }
        (Language::En, None) => "No matching events.".into(),
    }
}

/// The answer when a confirmed query found nothing.
pub fn no_rows_text(language: Language, window_note: &str) -> String {
    match language {
        Language::Ko => format!("조건에 맞는 이벤트가 없습니다{window_note}. 아래 SQL로 확인했습니다."),
        Language::En => format!("No matching events{window_note}. The SQL below was checked and returned nothing."),
    }
}

/// Asks the model for a grounded summary; falls back to [`deterministic_summary`] on any failure.
pub async fn summarise(
    llm: &dyn Llm,
    templates: &Templates,
    question: &str,
    sql: &str,
    language: Language,
    result: &QueryResult,
) -> (String, Usage) {
    let shown = result.rows.len().min(SUMMARY_ROWS);
    let ctx = json!({
        "language": if language == Language::Ko { "Ko" } else { "En" },
        "question": question,
        "sql": sql,
        "total_rows": result.rows.len(),
        "truncated": result.truncated,
        "shown_rows": shown,
        "table": render_rows(result, SUMMARY_ROWS),
    });
    let request = match (
        templates.render("prompts/answer_system.md.j2", &ctx),
        templates.render("prompts/answer_user.md.j2", &ctx),
    ) {
        (Ok(system), Ok(user)) => GenerationRequest { system, messages: vec![ChatMessage::user(user)] },
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "answer prompt did not render");
            return (deterministic_summary(result, language), Usage::default());
        }
    };
    match llm.complete_text(&request).await {
        Ok(done) => (done.text, done.usage),
        Err(e) => {
            tracing::warn!(error = %e, "summary failed; using the deterministic summary");
            (deterministic_summary(result, language), Usage::default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{ColumnMeta, ColumnType, Value};

    fn result(rows: usize) -> QueryResult {
        QueryResult {
            columns: vec![
                ColumnMeta { name: "actor".into(), ty: ColumnType::Text },
                ColumnMeta { name: "events".into(), ty: ColumnType::Integer },
            ],
            rows: (0..rows).map(|i| vec![Value::Text(format!("user|{i}")), Value::Int(10 - i as i64)]).collect(),
            ..QueryResult::default()
        }
    }

    #[test]
    fn the_deterministic_summary_counts_rows_and_shows_the_first_in_the_askers_language() {
        assert_eq!(deterministic_summary(&result(3), Language::En), "Found 3 rows. First: actor=user|0, events=10");
        assert_eq!(deterministic_summary(&result(3), Language::Ko), "3건을 찾았습니다. 첫 행: actor=user|0, events=10");
    }

    #[test]
    fn rendered_rows_are_capped_and_pipes_in_data_cannot_break_the_table() {
        let text = render_rows(&result(30), SUMMARY_ROWS);
        assert_eq!(text.lines().count(), 21);
        assert!(text.contains("| user 0 | 10 |"));
    }
}
