//! Generic summaries, searched windows, and hostile data through templates and the Slack renderer.

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::accounts::sample_lake_accounts;
use crate::engines::ColumnMeta;
use crate::library::{Entry, answer_template};
use crate::pipeline::{Answer, Outcome, answer};

fn at(d: u32, h: u32, m: u32) -> Value {
    Value::Timestamp(Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap())
}

fn col(name: &str, ty: ColumnType) -> ColumnMeta {
    ColumnMeta { name: name.into(), ty }
}

/// The root-usage shape: newest first, two console logins in acme-prod.
fn root_logins() -> QueryResult {
    QueryResult {
        columns: vec![
            col("event_time", ColumnType::Timestamp),
            col("account_id", ColumnType::Text),
            col("source_ip", ColumnType::Text),
        ],
        rows: vec![
            vec![at(29, 4, 10), Value::Text("318205947761".into()), Value::Text("58.151.93.2".into())],
            vec![at(27, 17, 47), Value::Text("318205947761".into()), Value::Text("112.169.74.30".into())],
        ],
        ..QueryResult::default()
    }
}

fn audience(language: Language, accounts: &[AccountConfig]) -> Audience<'_> {
    Audience { language, tz: chrono_tz::Asia::Seoul, accounts }
}

#[test]
fn a_listing_gives_the_count_the_span_in_the_askers_zone_and_account_names() {
    let accounts = sample_lake_accounts();
    assert_eq!(
        generic(&root_logins(), None, &audience(Language::Ko, &accounts)),
        "2건을 찾았습니다 — 11월 28일 02:47 ~ 11월 29일 13:10 (KST) — 계정 acme-prod."
    );
    assert_eq!(
        generic(&root_logins(), None, &audience(Language::En, &accounts)),
        "Found 2 rows — Nov 28 02:47 ~ Nov 29 13:10 (KST) — account acme-prod."
    );
    let utc = Audience { language: Language::En, tz: chrono_tz::UTC, accounts: &[] };
    assert_eq!(
        generic(&root_logins(), None, &utc),
        "Found 2 rows — Nov 27 17:47 ~ Nov 29 04:10 (UTC) — account 318205947761."
    );
}

#[test]
fn a_cut_listing_counts_the_true_total() {
    let accounts = sample_lake_accounts();
    let mut cut = root_logins();
    cut.truncated = true;
    assert!(generic(&cut, Some(5_400), &audience(Language::En, &accounts)).starts_with("Found 5,400 rows (2 shown)"));
    assert!(generic(&cut, Some(5_400), &audience(Language::Ko, &accounts)).starts_with("5,400건 (그중 2건 표시)"));
    assert!(generic(&cut, None, &audience(Language::En, &accounts)).starts_with("Found more than 2 rows"));
}

#[test]
fn a_ranking_names_its_top_value_and_measure() {
    let ranking = QueryResult {
        columns: vec![col("account_id", ColumnType::Text), col("events", ColumnType::Integer)],
        rows: vec![
            vec![Value::Text("574630192858".into()), Value::Int(12_345)],
            vec![Value::Text("318205947761".into()), Value::Int(40)],
        ],
        ..QueryResult::default()
    };
    let accounts = sample_lake_accounts();
    assert_eq!(
        generic(&ranking, None, &audience(Language::En, &accounts)),
        "Found 2 rows — top: acme-dev (events 12,345) — accounts acme-dev, acme-prod."
    );
    assert!(generic(&ranking, None, &audience(Language::Ko, &accounts)).contains("1위 acme-dev (events 12,345)"));
}

#[test]
fn numbers_get_thousands_separators() {
    assert_eq!(
        (number(0), number(999), number(1_000), number(-1_234_567)),
        ("0".into(), "999".into(), "1,000".into(), "-1,234,567".into())
    );
}

#[test]
fn no_rows_says_which_window_was_searched_in_the_askers_zone() {
    let sql = "SELECT event_time FROM cloudtrail WHERE event_time >= TIMESTAMP '2026-11-27 11:08:54' AND event_time < TIMESTAMP '2026-12-04 11:08:54' AND actor_type = 'Root'";
    let accounts = sample_lake_accounts();
    assert_eq!(
        no_rows(sql, &audience(Language::Ko, &accounts)),
        "조건에 맞는 이벤트가 없습니다 (11월 27일 20:08 ~ 12월 4일 20:08 (KST) 검색). 아래 SQL로 확인했습니다."
    );
    assert!(
        no_rows(sql, &audience(Language::En, &accounts))
            .starts_with("No matching events (searched Nov 27 20:08 ~ Dec 4 20:08 (KST)).")
    );
    let unbounded = "SELECT 1 FROM cloudtrail WHERE actor_type = 'Root'";
    assert_eq!(no_rows(unbounded, &audience(Language::En, &accounts)), answer::no_rows_text(Language::En, ""));
}

#[test]
fn a_window_is_read_only_from_one_lower_and_one_upper_bound_on_the_same_column() {
    let two_cols = "SELECT 1 FROM t WHERE event_time >= TIMESTAMP '2026-11-01 00:00:00' AND other < TIMESTAMP '2026-11-02 00:00:00'";
    assert_eq!(searched_window(two_cols), None);
    let two_lows = "SELECT 1 FROM t WHERE a.event_time >= TIMESTAMP '2026-11-01 00:00:00' AND b.event_time >= TIMESTAMP '2026-11-03 00:00:00' AND event_time < TIMESTAMP '2026-11-02 00:00:00'";
    assert_eq!(searched_window(two_lows), None);
}

/// A result whose every text cell is `hostile` (and whose column names are the usual ones).
fn hostile_result(hostile: &str) -> QueryResult {
    QueryResult {
        columns: vec![
            col("event_time", ColumnType::Timestamp),
            col("account_id", ColumnType::Text),
            col("actor_name", ColumnType::Text),
            col("source_ip", ColumnType::Text),
            col("events", ColumnType::Integer),
        ],
        rows: (0..3)
            .map(|i| {
                vec![
                    at(20 + i, 1, 2),
                    Value::Text(hostile.into()),
                    Value::Text(hostile.into()),
                    Value::Text(hostile.into()),
                    Value::Int(9 - i64::from(i)),
                ]
            })
            .collect(),
        ..QueryResult::default()
    }
}

/// Characters that carry meaning in mrkdwn outside a code block.
const MARKERS: [char; 6] = ['*', '_', '~', '`', '<', '>'];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Hostile values (mentions, links, code fences, markers, newlines) in every field, through an entry's
    /// template and the generic summary, then the Slack renderer: the headline holds no marker, no raw entity
    /// and no line that starts a quote, and the plain answer is one line per template line.
    #[test]
    fn hostile_field_values_never_mention_link_or_format(hostile in crate::slack::escape::tests::hostile()) {
        let accounts = vec![AccountConfig { name: hostile.clone(), ..sample_lake_accounts().remove(0) }];
        let result = hostile_result(&hostile);
        let entry = Entry {
            answer_en: Some("{{ count }} by {{ latest.actor_name }} ({{ latest.account_id | account }}) from {{ first.source_ip }} at {{ latest.event_time | time }}; {% for r in rows %}{{ r.actor_name }} {% endfor %}".into()),
            answer_ko: Some("{{ latest.actor_name }} {{ accounts[0] }}".into()),
            ..Entry::default()
        };
        for language in [Language::En, Language::Ko] {
            let who = audience(language, &accounts);
            for text in [answer::written(Some(&entry), &result, Some(40), &who), generic(&result, None, &who)] {
                prop_assert_eq!(text.lines().count(), 1, "{:?}", text);
                let mut a = Answer::failed_with("q", &text);
                a.outcome = Outcome::Answered;
                let message = crate::slack::render::answer(&crate::templates::Templates::embedded(), &a, "A1", chrono_tz::Asia::Seoul).unwrap();
                let json = serde_json::to_value(&message).unwrap();
                let headline = json["blocks"][0]["text"]["text"].as_str().unwrap().to_owned();
                prop_assert!(!headline.contains(MARKERS), "{:?}", headline);
                for (i, _) in headline.match_indices('&') {
                    prop_assert!(["&amp;", "&lt;", "&gt;"].iter().any(|e| headline[i..].starts_with(e)), "{:?}", headline);
                }
            }
        }
    }
}

#[test]
fn the_entry_template_is_used_and_a_broken_one_falls_back_to_the_generic_summary() {
    let accounts = sample_lake_accounts();
    let who = audience(Language::Ko, &accounts);
    let entry = Entry {
        answer_en: Some("x".into()),
        answer_ko: Some("루트 계정 사용 {{ count }}건 — 마지막은 {{ latest.event_time | time }}, {{ latest.account_id | account }}, {{ latest.source_ip }}에서 콘솔 로그인".into()),
        ..Entry::default()
    };
    assert_eq!(
        answer::written(Some(&entry), &root_logins(), None, &who),
        "루트 계정 사용 2건 — 마지막은 11월 29일 13:10 (KST), acme-prod, 58.151.93.2에서 콘솔 로그인"
    );
    let broken = Entry { answer_ko: Some("{{ latest.no_such_column }}".into()), ..entry };
    assert_eq!(answer::written(Some(&broken), &root_logins(), None, &who), generic(&root_logins(), None, &who));
    assert!(
        answer_template::render(
            "{{ latest.no_such_column }}",
            &answer_template::Context::new(&root_logins(), None, &who),
            &who
        )
        .is_err()
    );
}

#[test]
fn an_aggregate_spans_its_first_and_last_columns_and_a_lone_last_is_said_as_last() {
    let accounts = sample_lake_accounts();
    let mut per_ip = QueryResult {
        columns: vec![
            col("source_ip", ColumnType::Text),
            col("failures", ColumnType::Integer),
            col("first_seen", ColumnType::Timestamp),
            col("last_seen", ColumnType::Timestamp),
        ],
        rows: vec![
            vec![Value::Text("211.45.62.10".into()), Value::Int(10), at(20, 0, 0), at(21, 0, 0)],
            vec![Value::Text("10.0.0.1".into()), Value::Int(3), at(25, 0, 0), at(26, 1, 0)],
        ],
        ..QueryResult::default()
    };
    assert_eq!(
        generic(&per_ip, None, &audience(Language::En, &accounts)),
        "Found 2 rows — top: 211.45.62.10 (failures 10) — Nov 20 09:00 ~ Nov 26 10:00 (KST)."
    );
    per_ip.columns.remove(2);
    per_ip.rows.iter_mut().for_each(|r| drop(r.remove(2)));
    assert!(generic(&per_ip, None, &audience(Language::Ko, &accounts)).ends_with("— 마지막 11월 26일 10:00 (KST)."));
}
