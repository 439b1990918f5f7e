//! Rendering tests: limits, escaping, variants, and a snapshot of a typical answer.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::engines::{ColumnMeta, ColumnType, QueryResult, QueryStats, Value as Cell};
use crate::pipeline::{Attempt, Language};

fn attempt(n: u32) -> Attempt {
    Attempt {
        number: n,
        sql: Some("SELECT 1".into()),
        error: None,
        rows: Some(1),
        elapsed: Duration::from_millis(300),
        input_tokens: 0,
        output_tokens: 0,
    }
}

fn base(text: &str, outcome: Outcome) -> Answer {
    Answer {
        question: "who created users?".into(),
        language: Language::En,
        text: text.into(),
        outcome,
        sql: Some("SELECT actor_arn, count(*) AS n FROM cloudtrail GROUP BY 1".into()),
        result: None,
        attempts: vec![attempt(1)],
        verified: None,
        engine: "duckdb".into(),
        elapsed: Duration::from_millis(1234),
        offers: Vec::new(),
    }
}

fn result(cols: usize, rows: usize, cell: &str) -> QueryResult {
    QueryResult {
        columns: (0..cols).map(|i| ColumnMeta { name: format!("col_{i}"), ty: ColumnType::Text }).collect(),
        rows: (0..rows).map(|r| (0..cols).map(|c| Cell::Text(format!("{cell}{r}-{c}"))).collect()).collect(),
        truncated: false,
        stats: QueryStats { bytes_scanned: Some(1_234_000_000), ..Default::default() },
    }
}

fn json(content: &SlackMessageContent) -> Value {
    serde_json::to_value(content).unwrap()
}

fn blocks(v: &Value) -> &Vec<Value> {
    v["blocks"].as_array().unwrap()
}

fn action_ids(v: &Value) -> Vec<String> {
    blocks(v)
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().iter().map(|e| e["action_id"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_500_row_40_column_answer_stays_within_slack_limits() {
    let mut a = base("There are 500 rows.", Outcome::Answered);
    a.result = Some(result(40, 500, "관리자-value-"));
    let v = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap());
    assert!(blocks(&v).len() <= limits::MAX_BLOCKS);
    for b in blocks(&v) {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(t.chars().count() <= limits::MAX_SECTION_TEXT, "{} chars", t.chars().count());
        }
    }
    assert!(limits::total_text(&v) <= limits::MAX_TOTAL_TEXT);
    let text = v.to_string();
    assert!(text.contains("more rows"), "{text}");
    assert!(text.contains("more columns"), "{text}");
    assert!(action_ids(&v).contains(&"download_csv".to_string()));
}

#[test]
fn channel_pings_in_data_and_question_are_escaped() {
    let mut a = base("<!channel> look", Outcome::Answered);
    let mut r = result(1, 1, "x");
    r.rows[0][0] = Cell::Text("<!channel> <@U999> & <https://evil|click>".into());
    a.result = Some(r);
    a.sql = Some("SELECT '<!here>' AS x".into());
    let t = Templates::embedded();
    let answer_text = json(&answer(&t, &a, "A1", chrono_tz::Asia::Seoul).unwrap()).to_string();
    let root_text = json(&root(&t, "U1", "<!channel> who logged in?", "/asklake").unwrap()).to_string();
    for text in [answer_text, root_text] {
        assert!(!text.contains("<!channel>"), "{text}");
        assert!(!text.contains("<!here>"), "{text}");
        assert!(!text.contains("<@U999>"), "{text}");
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
    }
}

#[test]
fn the_root_message_mentions_the_asker_and_quotes_the_question() {
    let v = json(&root(&Templates::embedded(), "U123", "line one\nline two", "/asklake").unwrap());
    let text = v.to_string();
    assert!(text.contains("<@U123>"));
    assert!(text.contains("> line one\\n> line two"), "{text}");
}

#[test]
fn a_verified_answer_carries_the_badge_and_short_sql_is_inline() {
    let mut a = base("Two users.", Outcome::Answered);
    a.verified = Some("iam-users-created".into());
    a.result = Some(result(2, 2, "v"));
    let v = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap());
    let text = v.to_string();
    assert!(text.contains("✅ verified query"), "{text}");
    assert!(text.contains("```\\nSELECT actor_arn"), "{text}");
    assert!(!action_ids(&v).contains(&"show_sql".to_string()));
    assert_eq!(action_ids(&v)[..2], ["feedback_up".to_string(), "feedback_down".to_string()]);
}

#[test]
fn long_sql_goes_behind_the_show_sql_button() {
    let mut a = base("Done.", Outcome::NoRows);
    a.sql = Some(format!("SELECT\n{}\nFROM cloudtrail", (0..60).map(|i| format!("  c{i},\n")).collect::<String>()));
    let v = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap());
    assert!(action_ids(&v).contains(&"show_sql".to_string()));
    assert!(!v.to_string().contains("FROM cloudtrail"));
    assert!(!action_ids(&v).contains(&"download_csv".to_string()), "no rows, no CSV");
}

#[test]
fn declined_failed_and_needs_model_answers_render_their_variant() {
    let t = Templates::embedded();
    let mut d = base("That is not a question about the lake.", Outcome::Declined);
    d.sql = None;
    assert!(json(&answer(&t, &d, "A", chrono_tz::Asia::Seoul).unwrap()).to_string().contains("🙅"));
    let f = base("The query failed three times; try naming a table.", Outcome::Failed);
    assert!(json(&answer(&t, &f, "A", chrono_tz::Asia::Seoul).unwrap()).to_string().contains("⚠️"));
    let mut n = base("No model is configured.", Outcome::NeedsModel { suggestions: vec!["Who used root?".into()] });
    n.sql = None;
    let text = json(&answer(&t, &n, "A", chrono_tz::Asia::Seoul).unwrap()).to_string();
    assert!(text.contains("🧩") && text.contains("• Who used root?"), "{text}");
}

#[test]
fn progress_lines_read_like_the_spec() {
    assert_eq!(progress_text(&Progress::Generating { attempt: 2, max: 3 }, Lang::En), "Generating SQL (attempt 2/3)…");
    let running = Progress::Running { attempt: 1, engine: "athena", bytes_scanned: Some(1_200_000_000) };
    assert_eq!(progress_text(&running, Lang::En), "Running on Athena (scanned 1.2 GB)…");
    assert_eq!(Lang::of("어제 로그인한 사용자"), Lang::Ko);
    assert_eq!(Lang::of("who logged in"), Lang::En);
}

#[test]
fn help_sql_and_status_templates_render() {
    let t = Templates::embedded();
    let help = json(&help(&t, "duckdb", true, "/asklake", Lang::En, &["Who used <!here> root?"]).unwrap()).to_string();
    assert!(help.contains("Examples") && help.contains("direct message") && !help.contains("예시 질문"));
    assert!(help.contains("• Who used &lt;!here&gt; root?"), "{help}");
    let ko = json(&super::help(&t, "duckdb", false, "/seclake", Lang::Ko, &["루트 사용?"]).unwrap()).to_string();
    assert!(ko.contains("사용법") && ko.contains("`/seclake &lt;질문&gt;`") && !ko.contains("/asklake"), "{ko}");
    assert!(ko.contains("예시 질문") && ko.contains("• 루트 사용?") && !ko.contains("Examples"), "{ko}");
    let none = json(&super::help(&t, "duckdb", true, "/asklake", Lang::En, &[]).unwrap()).to_string();
    assert!(none.contains("No verified question runs on this setup"), "{none}");
    let long_sql =
        (0..400).map(|i| format!("SELECT {i} AS column_number_{i} UNION ALL")).collect::<Vec<_>>().join("\n");
    let v = json(&sql(&t, &long_sql).unwrap());
    assert!(blocks(&v).len() > 1);
    for b in blocks(&v) {
        let text = b["text"]["text"].as_str().unwrap();
        assert!(text.starts_with("```") && text.ends_with("```"));
    }
    let s = json(&status(&t, "⏳", "Running on DuckDB…").unwrap()).to_string();
    assert!(s.contains("⏳ Running on DuckDB…"));
}

#[test]
fn a_typical_answer_snapshot() {
    let mut a = base("Two IAM users were created by *alice*.", Outcome::Answered);
    a.result = Some(QueryResult {
        columns: vec![
            ColumnMeta { name: "actor".into(), ty: ColumnType::Text },
            ColumnMeta { name: "users_created".into(), ty: ColumnType::Integer },
        ],
        rows: vec![vec![Cell::Text("alice".into()), Cell::Int(2)], vec![Cell::Text("김철수".into()), Cell::Int(1)]],
        truncated: false,
        stats: QueryStats { bytes_scanned: None, ..Default::default() },
    });
    insta::assert_json_snapshot!(json(&answer(&Templates::embedded(), &a, "A-1", chrono_tz::Asia::Seoul).unwrap()));
}

/// The markup of a rendered message that data could disturb: per text, the code blocks and inline code spans, and
/// outside them every mrkdwn marker and block quote, in order.
fn skeleton(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                match (k.as_str(), item) {
                    ("text", Value::String(s)) => out.push(markup(s)),
                    _ => skeleton(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| skeleton(i, out)),
        _ => {}
    }
}

fn markup(text: &str) -> String {
    let mut m = String::new();
    for (i, part) in text.split("```").enumerate() {
        if i % 2 == 1 {
            m.push_str("[code]");
            continue;
        }
        for line in part.split(['\n', '\r']) {
            if line.trim_start().starts_with("&gt;") {
                m.push_str("[quote]");
            }
            for (j, piece) in line.split('`').enumerate() {
                if j % 2 == 1 {
                    m.push_str("[span]");
                } else {
                    m.extend(piece.chars().filter(|c| matches!(c, '*' | '_' | '~' | '<' | '>')));
                }
            }
            m.push('|');
        }
    }
    m
}

/// The same text with every character but line breaks made harmless: same length, same lines.
fn benign(s: &str) -> String {
    s.chars().map(|c| if matches!(c, '\n' | '\r') { c } else { 'x' }).collect()
}

fn hostile_answer(text: &str, cell: &str, id: &str, sql: &str) -> Answer {
    let mut a = base(text, Outcome::Answered);
    let mut r = result(2, 3, "v");
    r.columns[1].name = cell.to_owned();
    r.rows[1][0] = Cell::Text(cell.to_owned());
    a.result = Some(r);
    a.verified = Some(id.to_owned());
    a.sql = Some(sql.to_owned());
    a
}

fn rendered_skeleton(content: &SlackMessageContent) -> Vec<String> {
    let mut out = Vec::new();
    skeleton(&json(content), &mut out);
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 256, failure_persistence: None, ..proptest::prelude::ProptestConfig::default()
    })]

    /// Whatever the data, an answer's markup is the markup of the same answer over harmless data.
    #[test]
    fn hostile_data_cannot_change_an_answers_markup(
        text in crate::slack::escape::tests::hostile(),
        cell in crate::slack::escape::tests::hostile(),
        id in crate::slack::escape::tests::hostile(),
        sql in crate::slack::escape::tests::hostile(),
    ) {
        let t = Templates::embedded();
        let evil = hostile_answer(&text, &cell, &id, &sql);
        let calm = hostile_answer(&benign(&text), &benign(&cell), &benign(&id), &benign(&sql));
        proptest::prop_assert_eq!(
            rendered_skeleton(&answer(&t, &evil, "A", chrono_tz::Asia::Seoul).unwrap()),
            rendered_skeleton(&answer(&t, &calm, "A", chrono_tz::Asia::Seoul).unwrap())
        );
        let mut suggested = base(&text, Outcome::NeedsModel { suggestions: vec![text.clone(), cell.clone()] });
        let mut plain = base(&benign(&text), Outcome::NeedsModel { suggestions: vec![benign(&text), benign(&cell)] });
        (suggested.sql, plain.sql) = (None, None);
        proptest::prop_assert_eq!(
            rendered_skeleton(&answer(&t, &suggested, "A", chrono_tz::Asia::Seoul).unwrap()),
            rendered_skeleton(&answer(&t, &plain, "A", chrono_tz::Asia::Seoul).unwrap())
        );
    }

    /// The question quoted in the message a slash command threads under cannot restyle it either.
    #[test]
    fn a_hostile_question_cannot_change_the_root_messages_markup(q in crate::slack::escape::tests::hostile()) {
        let t = Templates::embedded();
        proptest::prop_assert_eq!(
            rendered_skeleton(&root(&t, "U1", &q, "/asklake").unwrap()),
            rendered_skeleton(&root(&t, "U1", &benign(&q), "/asklake").unwrap())
        );
    }
}

#[test]
fn a_listing_cut_by_its_limit_says_how_many_rows_matched_in_the_askers_language() {
    let mut a = base("Failed calls this week.", Outcome::Answered);
    let mut cut = result(3, 200, "row-");
    cut.stats.matched_total = Some(540);
    a.result = Some(cut);
    let text = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap()).to_string();
    assert!(text.contains("showing 200 of 540 rows"), "{text}");
    a.question = "이번 주 실패한 호출 보여줘".into();
    a.language = Language::Ko;
    let text = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap()).to_string();
    assert!(text.contains("540행 중 200행 표시"), "{text}");
    // A listing that was not cut says nothing of a total.
    a.result = Some(result(3, 200, "row-"));
    let text = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap()).to_string();
    assert!(!text.contains("행 중"), "{text}");
}

#[test]
fn the_tables_times_are_on_the_askers_clock_like_the_answer_above_it() {
    use chrono::TimeZone;
    let mut a = base("1 console login, at 02:21 (KST).", Outcome::Answered);
    let login = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 17, 21, 0).unwrap();
    a.result = Some(QueryResult {
        columns: vec![ColumnMeta { name: "last_login".into(), ty: ColumnType::Timestamp }],
        rows: vec![vec![Cell::Timestamp(login)]],
        ..QueryResult::default()
    });
    let seoul = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap()).to_string();
    assert!(seoul.contains("last_login (KST)") && seoul.contains("2026-12-03 02:21:00"), "{seoul}");
    let utc = json(&answer(&Templates::embedded(), &a, "A1", chrono_tz::UTC).unwrap()).to_string();
    assert!(utc.contains("last_login (UTC)") && utc.contains("2026-12-02 17:21:00"), "{utc}");
}
