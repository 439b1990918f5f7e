//! The short answer: a model summary grounded in the first rows, or a deterministic one when there is no model.

use serde_json::json;

use super::Language;
use super::summary::{self, Audience};
use crate::engines::QueryResult;
use crate::library::{Entry, answer_template};
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

/// The answer to a non-empty result without model-written text: the library entry's template for the asker's
/// language when it has one and it renders, else the generic summary ([`summary::generic`]).
pub fn written(entry: Option<&Entry>, result: &QueryResult, total: Option<u64>, audience: &Audience) -> String {
    if let Some(source) = entry.and_then(|e| e.answer_template(audience.language)) {
        let context = answer_template::Context::new(result, total, audience);
        match answer_template::render(source, &context, audience) {
            Ok(text) if !text.is_empty() => return text,
            Ok(_) => tracing::warn!(entry = ?entry.map(|e| &e.id), "answer template rendered nothing"),
            Err(e) => tracing::warn!(entry = ?entry.map(|e| &e.id), error = %e, "answer template failed"),
        }
    }
    summary::generic(result, total, audience)
}

/// The answer when a confirmed query found nothing.
pub fn no_rows_text(language: Language, window_note: &str) -> String {
    match language {
        Language::Ko => format!("조건에 맞는 이벤트가 없습니다{window_note}. 아래 SQL로 확인했습니다."),
        Language::En => format!("No matching events{window_note}. The SQL below was checked and returned nothing."),
    }
}

/// What the model summarises: the question, its SQL, the result and the true total of a cut listing.
pub struct Grounds<'a> {
    /// The question as asked.
    pub question: &'a str,
    /// The SQL that ran (logical tables).
    pub sql: &'a str,
    /// The rows.
    pub result: &'a QueryResult,
    /// Rows the listing matches in all, when it was cut.
    pub total: Option<u64>,
}

/// Asks the model for a grounded summary; falls back to the generic summary ([`summary::generic`]) on any
/// failure or an empty reply. The second value says whether the model wrote the text.
pub async fn summarise(
    llm: &dyn Llm,
    templates: &Templates,
    grounds: &Grounds<'_>,
    audience: &Audience<'_>,
) -> (String, Usage, bool) {
    let Grounds { question, sql, result, total } = *grounds;
    let language = audience.language;
    let fallback = || summary::generic(result, total, audience);
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
            return (fallback(), Usage::default(), false);
        }
    };
    match llm.complete_text(&request).await {
        Ok(done) if !done.text.trim().is_empty() => (done.text, done.usage, true),
        Ok(done) => (fallback(), done.usage, false),
        Err(e) => {
            tracing::warn!(error = %e, "summary failed; using the generic summary");
            (fallback(), Usage::default(), false)
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
    fn rendered_rows_are_capped_and_pipes_in_data_cannot_break_the_table() {
        let text = render_rows(&result(30), SUMMARY_ROWS);
        assert_eq!(text.lines().count(), 21);
        assert!(text.contains("| user 0 | 10 |"));
    }
}
