//! Prompt building: renders `prompts/system.md.j2` and `prompts/user.md.j2` from the catalog, rules, examples,
//! thread history and earlier attempts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::Turn;
use super::diagnose::Diagnosis;
use super::slice::Selection;
use crate::engines::Dialect;
use crate::library::Example;
use crate::llm::{ChatMessage, GenerationRequest};
use crate::templates::Templates;

/// System prompt template.
pub const SYSTEM_TEMPLATE: &str = "prompts/system.md.j2";
/// User prompt template.
pub const USER_TEMPLATE: &str = "prompts/user.md.j2";
/// Few-shot examples put in the prompt at most.
pub const MAX_EXAMPLES: usize = 5;
/// Earlier thread turns put in the prompt at most.
pub const MAX_HISTORY: usize = 5;

/// An earlier attempt of the same question and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feedback {
    /// SQL the model wrote (empty when it wrote none).
    pub sql: String,
    /// What went wrong.
    pub diagnosis: Diagnosis,
}

/// Everything a prompt is made of.
#[derive(Debug, Clone)]
pub struct PromptInputs<'a> {
    /// Normalised question.
    pub question: &'a str,
    /// "Now".
    pub now: DateTime<Utc>,
    /// Asker's time zone.
    pub tz: chrono_tz::Tz,
    /// The tables and columns to show (see [`super::slice`]).
    pub selection: &'a Selection,
    /// Engine dialect.
    pub dialect: Dialect,
    /// Default window when the question names none.
    pub window_days: u32,
    /// LIMIT cap.
    pub row_limit: u64,
    /// Retrieved verified examples, best first.
    pub examples: &'a [Example],
    /// Earlier turns of the thread, oldest first.
    pub history: &'a [Turn],
    /// Earlier attempts at this question, oldest first.
    pub feedback: &'a [Feedback],
}

/// Renders the system and user prompts.
pub fn build(templates: &Templates, inputs: &PromptInputs<'_>) -> anyhow::Result<GenerationRequest> {
    let local = inputs.now.with_timezone(&inputs.tz);
    let history_start = inputs.history.len().saturating_sub(MAX_HISTORY);
    let ctx = json!({
        "dialect": match inputs.dialect { Dialect::Trino => "trino", Dialect::DuckDb => "duckdb" },
        "tables": inputs.selection.shown.tables,
        "joins": inputs.selection.joins,
        "other_tables": inputs.selection.others,
        "window_days": inputs.window_days,
        "row_limit": inputs.row_limit,
        "tz": inputs.tz.name(),
        "local_hour": format!("hour({})", local_time_expr(inputs.now, inputs.tz)),
        "local_dow": match inputs.dialect {
            Dialect::Trino => format!("day_of_week({})", local_time_expr(inputs.now, inputs.tz)),
            Dialect::DuckDb => format!("isodow({})", local_time_expr(inputs.now, inputs.tz)),
        },
        "now_utc": inputs.now.format("%Y-%m-%d %H:%M:%S").to_string(),
        "now_local": local.format("%Y-%m-%d %H:%M:%S %:z (%A)").to_string(),
        "question": inputs.question,
        "examples": &inputs.examples[..inputs.examples.len().min(MAX_EXAMPLES)],
        "history": &inputs.history[history_start..],
        "feedback": inputs.feedback,
        "accounts": inputs.selection.shown.accounts,
    });
    let system = templates.render(SYSTEM_TEMPLATE, &ctx)?;
    let user = templates.render(USER_TEMPLATE, &ctx)?;
    Ok(GenerationRequest { system, messages: vec![ChatMessage::user(user)] })
}

/// `event_time` shifted to the asker's wall clock at `now` (both engines; a DST change inside the window
/// shifts by the offset in force now).
pub fn local_time_expr(now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    use crate::library::params;
    params::local_time_sql(params::utc_offset_minutes(now, tz))
}

/// Rough token count of prompt text: a quarter of the ASCII characters plus one per other character (Hangul).
/// No tokenizer is available offline; this is used to compare prompts with each other, not to bill.
pub fn estimate_tokens(text: &str) -> usize {
    let ascii = text.chars().filter(char::is_ascii).count();
    ascii.div_ceil(4) + (text.chars().count() - ascii)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::catalog::{Catalog, LogicalTable};
    use crate::pipeline::diagnose::DiagnosisKind;

    fn catalog() -> Catalog {
        let col = |name: &str, ty: &str, meaning: &str, examples: &[&str], ko: &[&str]| json!({"name": name, "type": ty, "meaning": meaning, "examples": examples, "synonyms_ko": ko});
        let table: LogicalTable = serde_json::from_value(json!({
            "name": "cloudtrail",
            "description": "One CloudTrail management event.",
            "columns": [
                col("event_time", "timestamp", "When the call happened (UTC).", &[], &["시간"]),
                col("api_operation", "varchar", "API action.", &["ConsoleLogin", "CreateUser"], &["API 호출"]),
                col("actor_user_type", "varchar", "Identity type.", &["Root", "IAMUser"], &["계정 유형"]),
            ],
        }))
        .unwrap();
        Catalog { tables: vec![table], ..Catalog::default() }
    }

    fn everything() -> Selection {
        Selection::everything(&catalog())
    }

    fn inputs<'a>(
        selection: &'a Selection,
        feedback: &'a [Feedback],
        examples: &'a [Example],
        history: &'a [Turn],
    ) -> PromptInputs<'a> {
        PromptInputs {
            question: "root 계정 사용한 로그 있어?",
            now: Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
            tz: chrono_tz::Asia::Seoul,
            selection,
            dialect: Dialect::Trino,
            window_days: 7,
            row_limit: 1000,
            examples,
            history,
            feedback,
        }
    }

    #[test]
    fn the_first_attempt_prompt_carries_rules_catalog_time_and_examples() {
        let catalog = everything();
        let examples = vec![Example {
            id: "root-usage".into(),
            question: "Who used the root account?".into(),
            sql: "SELECT event_time FROM cloudtrail WHERE actor_user_type = 'Root'".into(),
            score: 0.71,
        }];
        let req = build(&Templates::embedded(), &inputs(&catalog, &[], &examples, &[])).unwrap();
        insta::assert_snapshot!("system_trino", req.system);
        insta::assert_snapshot!("user_first_attempt", req.messages[0].text);
    }

    #[test]
    fn a_retry_prompt_carries_the_previous_sql_and_the_diagnosis() {
        let catalog = everything();
        let feedback = vec![Feedback {
            sql: "SELECT actor FROM cloudtrail".into(),
            diagnosis: Diagnosis {
                kind: DiagnosisKind::UnknownColumn,
                text: "Column `actor` does not exist in `cloudtrail`. Closest columns: actor_user_type.".into(),
            },
        }];
        let history = vec![Turn {
            question: "어제 로그인 몇 번?".into(),
            sql: Some("SELECT count(*) FROM cloudtrail".into()),
            columns: vec!["_col0".into()],
            row_count: 1,
            answer: "12번".into(),
        }];
        let req = build(&Templates::embedded(), &inputs(&catalog, &feedback, &[], &history)).unwrap();
        insta::assert_snapshot!("user_retry", req.messages[0].text);
    }

    #[test]
    fn time_of_day_phrases_are_hour_filters_and_the_window_precedence_is_stated() {
        let catalog = everything();
        let system = build(&Templates::embedded(), &inputs(&catalog, &[], &[], &[])).unwrap().system;
        let periods = system.lines().find(|l| l.contains("Turn relative periods")).unwrap();
        assert!(!periods.contains("새벽") && !periods.contains("dawn"), "{periods}");
        assert!(system.contains("Time-of-day phrases are not periods"));
        assert!(system.contains("`hour(event_time + INTERVAL '9' HOUR)`"), "the Seoul wall clock");
        assert!(system.contains("(1) a period the question names; (2) otherwise the window of the earlier question"));
        assert!(system.contains("(4) otherwise the last 7 days"));
    }

    #[test]
    fn the_local_hour_follows_the_asker_zone_offset() {
        let now = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(local_time_expr(now, chrono_tz::Asia::Kolkata), "event_time + INTERVAL '330' MINUTE");
        assert_eq!(local_time_expr(now, chrono_tz::America::New_York), "event_time - INTERVAL '4' HOUR");
        assert_eq!(local_time_expr(now, chrono_tz::UTC), "event_time");
    }

    #[test]
    fn the_duckdb_prompt_lists_the_functions_duckdb_lacks() {
        let catalog = everything();
        let mut i = inputs(&catalog, &[], &[], &[]);
        i.dialect = Dialect::DuckDb;
        let req = build(&Templates::embedded(), &i).unwrap();
        assert!(req.system.contains("strftime"), "{}", req.system);
        assert!(!build(&Templates::embedded(), &inputs(&catalog, &[], &[], &[])).unwrap().system.contains("strftime"));
    }
}
