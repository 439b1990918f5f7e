//! Slack messages from templates in `blocks/`: answers (text, table, SQL, context, buttons), the root message
//! a slash command threads under, progress lines, help and the full SQL. Every user- or data-controlled string is
//! escaped here, before it reaches a template; every message passes [`super::limits::enforce`].

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use slack_morphism::prelude::SlackMessageContent;

use super::escape;
use super::limits::{self, LimitError};
use super::table;
use crate::pipeline::normalise::detect_language;
use crate::pipeline::{Answer, Language, Outcome, Progress};
use crate::templates::Templates;

/// Characters of unescaped table text put in one section (escaping and fences need the rest of 3 000).
pub const TABLE_BUDGET: usize = 2_600;
/// SQL longer than this (characters) goes behind the "Show SQL" button.
pub const INLINE_SQL_MAX_CHARS: usize = 1_200;
/// SQL with more lines than this goes behind the "Show SQL" button.
pub const INLINE_SQL_MAX_LINES: usize = 25;

/// Why a message could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template failed (missing, syntax, undefined value).
    #[error("could not render {name}: {source:#}")]
    Template {
        /// Template path.
        name: &'static str,
        /// Cause.
        source: anyhow::Error,
    },
    /// The template produced text that is not JSON.
    #[error("template {name} did not produce JSON: {source}")]
    Json {
        /// Template path.
        name: &'static str,
        /// Cause.
        source: serde_json::Error,
    },
    /// The JSON is not a Slack message.
    #[error(transparent)]
    Limits(#[from] LimitError),
}

/// Language of the labels around an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// The language of `text`, detected as the pipeline does ([`detect_language`]): Korean with any Hangul.
    pub fn of(text: &str) -> Self {
        Self::from(detect_language(text))
    }
}

impl From<Language> for Lang {
    fn from(language: Language) -> Self {
        match language {
            Language::Ko => Lang::Ko,
            Language::En => Lang::En,
        }
    }
}

#[derive(Serialize)]
struct Labels {
    show_sql: &'static str,
    download_csv: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::En => Labels { show_sql: "Show SQL", download_csv: "Download CSV" },
        Lang::Ko => Labels { show_sql: "SQL 보기", download_csv: "CSV 다운로드" },
    }
}

fn render(templates: &Templates, name: &'static str, ctx: impl Serialize) -> Result<SlackMessageContent, RenderError> {
    let text = templates.render(name, ctx).map_err(|source| RenderError::Template { name, source })?;
    let value = serde_json::from_str(&text).map_err(|source| RenderError::Json { name, source })?;
    Ok(limits::enforce(value)?)
}

/// Plain text content (already escaped by the caller where needed).
pub fn plain(text: &str) -> SlackMessageContent {
    limits::enforce(json!({ "text": text })).unwrap_or_else(|_| SlackMessageContent::new())
}

/// `1.2 GB`-style sizes.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 { format!("{secs:.1} s") } else { format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60) }
}

/// The progress line for a step.
pub fn progress_text(progress: &Progress, lang: Lang) -> String {
    match (progress, lang) {
        (Progress::Retrieving, Lang::En) => "Looking up verified queries…".into(),
        (Progress::Retrieving, Lang::Ko) => "검증된 쿼리를 찾는 중…".into(),
        (Progress::Generating { attempt, max }, Lang::En) => format!("Generating SQL (attempt {attempt}/{max})…"),
        (Progress::Generating { attempt, max }, Lang::Ko) => format!("SQL 생성 중 (시도 {attempt}/{max})…"),
        (Progress::Running { engine, bytes_scanned, .. }, lang) => {
            let engine = engine_name(engine);
            let scanned = bytes_scanned.map(human_bytes);
            match (lang, scanned) {
                (Lang::En, Some(s)) => format!("Running on {engine} (scanned {s})…"),
                (Lang::En, None) => format!("Running on {engine}…"),
                (Lang::Ko, Some(s)) => format!("{engine}에서 실행 중 ({s} 스캔)…"),
                (Lang::Ko, None) => format!("{engine}에서 실행 중…"),
            }
        }
        (Progress::Answering, Lang::En) => "Writing the answer…".into(),
        (Progress::Answering, Lang::Ko) => "답변 작성 중…".into(),
    }
}

fn engine_name(engine: &str) -> String {
    match engine.to_ascii_lowercase().as_str() {
        "athena" => "Athena".into(),
        "duckdb" => "DuckDB".into(),
        other => other.to_owned(),
    }
}

/// A progress message: `icon` then `text` (neither user-controlled).
pub fn status(templates: &Templates, icon: &str, text: &str) -> Result<SlackMessageContent, RenderError> {
    render(templates, "blocks/status.json.j2", json!({ "icon": icon, "text": escape::mrkdwn(text) }))
}

/// The message a slash-command answer is threaded under, in the question's language; `command` is the slash
/// command it was asked with.
pub fn root(
    templates: &Templates,
    asker: &str,
    question: &str,
    command: &str,
) -> Result<SlackMessageContent, RenderError> {
    let quoted: String = escape::truncate(question, 2_500)
        .lines()
        .map(|l| format!("> {}", escape::mrkdwn(l)))
        .collect::<Vec<_>>()
        .join("\n");
    let asker = escape::mrkdwn(asker);
    let (command, short) = (escape::code_span(command), escape::inline(&escape::truncate(question, 300)));
    let (fallback, asked_by) = match Lang::of(question) {
        Lang::En => {
            (format!("<@{asker}> asked: {short}"), format!("<@{asker}> asked with `{command}` · answer in the thread"))
        }
        Lang::Ko => (
            format!("<@{asker}> 님의 질문: {short}"),
            format!("<@{asker}> 님이 `{command}`로 질문했습니다 · 답변은 스레드에 있습니다"),
        ),
    };
    render(
        templates,
        "blocks/answer_root.json.j2",
        json!({ "fallback": fallback, "question": quoted, "asked_by": asked_by }),
    )
}

/// Usage help for `command` (e.g. `/asklake help`), in `lang`, with `examples`: the example questions that run on
/// this setup, in `lang` (the App Home's list, [`super::home_setup::Setup::example_questions`]).
pub fn help(
    templates: &Templates,
    engine: &str,
    allow_dms: bool,
    command: &str,
    lang: Lang,
    examples: &[&str],
) -> Result<SlackMessageContent, RenderError> {
    let items: String = examples.iter().map(|q| format!("\n• {}", escape::inline(&escape::truncate(q, 300)))).collect();
    let examples = match (lang, items.is_empty()) {
        (Lang::En, false) => format!("*Examples that run here now*{items}"),
        (Lang::Ko, false) => format!("*지금 바로 답할 수 있는 예시 질문*{items}"),
        (Lang::En, true) => {
            "*Examples*\nNo verified question runs on this setup as it is: ask your admin which sources are on."
                .to_owned()
        }
        (Lang::Ko, true) => {
            "*예시 질문*\n이 설정에서 바로 실행할 수 있는 검증된 질문이 없습니다. 켜진 소스를 관리자에게 확인해 주세요."
                .to_owned()
        }
    };
    let ctx = json!({
        "engine": engine_name(engine),
        "allow_dms": allow_dms,
        "command": escape::code_span(command),
        "ko": lang == Lang::Ko,
        "examples": examples,
    });
    render(templates, "blocks/help.json.j2", ctx)
}

/// The full SQL, split into code blocks that fit a section each.
pub fn sql(templates: &Templates, sql: &str) -> Result<SlackMessageContent, RenderError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let line = escape::code_block(line);
        if !current.is_empty() && current.chars().count() + line.chars().count() + 1 > 2_800 {
            parts.push(format!("```\n{current}\n```"));
            current.clear();
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    parts.push(format!("```\n{current}\n```"));
    render(templates, "blocks/answer_sql.json.j2", json!({ "fallback": "SQL", "parts": parts }))
}

/// An answer, with buttons that carry `answer_id`; the table's times are on the `tz` clock.
pub fn answer(
    templates: &Templates,
    answer: &Answer,
    answer_id: &str,
    tz: chrono_tz::Tz,
) -> Result<SlackMessageContent, RenderError> {
    let lang = Lang::from(answer.language);
    let text = escape::mrkdwn(&escape::truncate(&answer.text, 2_800));
    let icon = match &answer.outcome {
        Outcome::Answered => "",
        Outcome::NoRows => "🔍 ",
        Outcome::Declined => "🙅 ",
        Outcome::NeedsModel { .. } => "🧩 ",
        Outcome::Failed => "⚠️ ",
    };
    let (table, table_note) = table_parts(answer, lang, tz);
    let suggestions = suggestion_sections(answer, lang);
    let (offer_note, offers) = offer_parts(answer, answer_id, lang);
    let sql_text = answer.sql.as_deref().unwrap_or("");
    let long_sql = sql_text.chars().count() > INLINE_SQL_MAX_CHARS || sql_text.lines().count() > INLINE_SQL_MAX_LINES;
    let sql_inline = (!sql_text.is_empty() && !long_sql).then(|| format!("```\n{}\n```", escape::code_block(sql_text)));
    let has_rows = answer.result.as_ref().is_some_and(|r| !r.rows.is_empty());
    let ctx = json!({
        "fallback": escape::mrkdwn(&escape::truncate(&answer.text, 300)),
        "headline": format!("{icon}{text}"),
        "table": table,
        "table_note": table_note,
        "suggestions": suggestions,
        "offer_note": offer_note,
        "offers": offers,
        "sql_inline": sql_inline,
        "context": context_line(answer, lang),
        "buttons": true,
        "sql_button": !sql_text.is_empty() && long_sql,
        "csv_button": has_rows,
        "answer_id": answer_id,
        "labels": labels(lang),
    });
    render(templates, "blocks/answer.json.j2", ctx)
}

fn table_parts(answer: &Answer, lang: Lang, tz: chrono_tz::Tz) -> (Option<String>, Option<String>) {
    let Some(result) = answer.result.as_ref().filter(|r| !r.rows.is_empty()) else { return (None, None) };
    let t = table::render(result, TABLE_BUDGET, tz);
    let block = format!("```\n{}\n```", escape::code_block(&t.text));
    let more_rows = t.more_rows + usize::from(result.truncated);
    let mut notes: Vec<String> = cut_caption(result, lang).into_iter().collect();
    if t.more_rows > 0 {
        notes.push(match lang {
            Lang::En => format!("+{} more rows", t.more_rows),
            Lang::Ko => format!("+{}개 행 더 있음", t.more_rows),
        });
    }
    if result.truncated {
        notes.push(match lang {
            Lang::En => "the result was capped by the row limit".into(),
            Lang::Ko => "결과가 행 제한에서 잘렸습니다".into(),
        });
    }
    if t.more_columns > 0 {
        notes.push(match lang {
            Lang::En => format!("+{} more columns", t.more_columns),
            Lang::Ko => format!("+{}개 열 더 있음", t.more_columns),
        });
    }
    if more_rows > 0 || t.more_columns > 0 {
        notes.push(match lang {
            Lang::En => "Download CSV for everything".into(),
            Lang::Ko => "전체는 CSV로 받으세요".into(),
        });
    }
    (Some(block), (!notes.is_empty()).then(|| notes.join(" · ")))
}

/// "showing 200 of 540 rows" when the listing was cut by its LIMIT and the pipeline counted the total.
fn cut_caption(result: &crate::engines::QueryResult, lang: Lang) -> Option<String> {
    let total = result.stats.matched_total?;
    let language = match lang {
        Lang::En => Language::En,
        Lang::Ko => Language::Ko,
    };
    Some(crate::pipeline::total::caption(language, result.rows.len(), total))
}

/// Prefix of the action id of the buttons that run an offered verified query (`run_offer_0`, …).
pub const RUN_OFFER: &str = "run_offer_";
/// Longest button label (Slack allows 75 characters).
const BUTTON_CHARS: usize = 72;

/// The note above offer buttons and the buttons; each button's value is `<answer id>:<n>`, never SQL.
fn offer_parts(answer: &Answer, answer_id: &str, lang: Lang) -> (Option<String>, Vec<serde_json::Value>) {
    if answer.offers.is_empty() {
        return (None, Vec::new());
    }
    let buttons = answer
        .offers
        .iter()
        .enumerate()
        .map(|(n, o)| {
            json!({
                "action_id": format!("{RUN_OFFER}{n}"),
                "text": escape::truncate(&o.question, BUTTON_CHARS),
                "value": format!("{answer_id}:{n}"),
            })
        })
        .collect();
    let note = match (&answer.outcome, lang) {
        (Outcome::NeedsModel { .. }, Lang::En) => "*Run a verified question with the details from yours:*",
        (Outcome::NeedsModel { .. }, Lang::Ko) => "*질문의 조건(기간, 계정 등)으로 검증된 질문을 바로 실행:*",
        (_, Lang::En) => "*A verified question close to yours* (its query differs from the one above):",
        (_, Lang::Ko) => "*비슷한 검증된 질문* (위 답변과 쿼리가 다릅니다):",
    };
    (Some(note.to_owned()), buttons)
}

fn suggestion_sections(answer: &Answer, lang: Lang) -> Vec<String> {
    let Outcome::NeedsModel { suggestions } = &answer.outcome else { return Vec::new() };
    // Suggestions that are offered as buttons are not listed twice.
    let suggestions: Vec<&String> =
        suggestions.iter().filter(|s| !answer.offers.iter().any(|o| &o.question == *s)).collect();
    if suggestions.is_empty() {
        return Vec::new();
    }
    let title = match lang {
        Lang::En => "*Verified questions you can ask now:*",
        Lang::Ko => "*지금 바로 물어볼 수 있는 검증된 질문:*",
    };
    let items: Vec<String> =
        suggestions.iter().take(5).map(|s| format!("• {}", escape::inline(&escape::truncate(s, 300)))).collect();
    vec![format!("{title}\n{}", items.join("\n"))]
}

fn context_line(answer: &Answer, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(id) = &answer.verified {
        parts.push(match lang {
            Lang::En => format!("✅ verified query `{}`", escape::code_span(id)),
            Lang::Ko => format!("✅ 검증된 쿼리 `{}`", escape::code_span(id)),
        });
    }
    let n = answer.attempts.len();
    if n > 0 {
        parts.push(match lang {
            Lang::En => format!("{n} attempt{}", if n == 1 { "" } else { "s" }),
            Lang::Ko => format!("시도 {n}회"),
        });
    }
    parts.push(human_duration(answer.elapsed));
    if let Some(result) = &answer.result {
        let language = if lang == Lang::Ko { Language::Ko } else { Language::En };
        if let Some(note) = crate::engines::scan::note(&result.stats, language) {
            parts.push(escape::inline(&note));
        }
        parts.push(match lang {
            Lang::En => format!("{} row{}", result.rows.len(), if result.rows.len() == 1 { "" } else { "s" }),
            Lang::Ko => format!("{}행", result.rows.len()),
        });
    }
    if !answer.engine.is_empty() {
        parts.push(escape::inline(&engine_name(&answer.engine)));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests;
