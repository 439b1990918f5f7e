//! The template environment: closed, strict, filters for the asker.

use chrono::{TimeZone, Utc};

use super::*;
use crate::accounts::sample_lake_accounts;
use crate::engines::ColumnMeta;

fn result() -> QueryResult {
    let at = |d, h| Value::Timestamp(Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap());
    QueryResult {
        columns: vec![
            ColumnMeta { name: "event_time".into(), ty: ColumnType::Timestamp },
            ColumnMeta { name: "account_id".into(), ty: ColumnType::Text },
            ColumnMeta { name: "calls".into(), ty: ColumnType::Integer },
        ],
        // Not in time order: `latest` and `earliest` follow the time column, `first` and `last` the row order.
        rows: vec![
            vec![at(20, 1), Value::Text("574630192858".into()), Value::Int(1_500)],
            vec![at(29, 4), Value::Text("318205947761".into()), Value::Null],
            vec![at(10, 0), Value::Text("999999999999".into()), Value::Int(3)],
        ],
        ..QueryResult::default()
    }
}

fn render_en(source: &str) -> Result<String, TemplateError> {
    let accounts = sample_lake_accounts();
    let who = Audience { language: Language::En, tz: chrono_tz::Asia::Seoul, accounts: &accounts };
    render(source, &Context::new(&result(), Some(7), &who), &who)
}

#[test]
fn filters_format_for_the_asker_and_rows_are_picked_by_time() {
    assert_eq!(
        render_en("{{ count }}/{{ shown }} {% if cut %}cut{% endif %}: {{ latest.event_time | time }} {{ latest.account_id | account }}").unwrap(),
        "7/3 cut: Nov 29 13:00 (KST) acme-prod"
    );
    assert_eq!(
        render_en("{{ earliest.account_id | account }} {{ first.calls | num }} [{{ latest.calls }}]").unwrap(),
        "999999999999 1,500 []"
    );
    assert!(render_en("{{ accounts | length }}").is_err(), "no built-in filters: the environment is closed");
    assert_eq!(render_en("{% for r in rows %}{{ r.calls }},{% endfor %}").unwrap(), "1500,,3,");
}

#[test]
fn an_unknown_name_is_refused_at_load_and_an_unknown_column_when_rendering() {
    assert!(check("{{ count }} {{ latest.anything }} {% for r in rows %}{{ r.x }}{% endfor %}").is_ok());
    let err = check("{{ count }} {{ env }} {{ config.token }}").unwrap_err().to_string();
    assert!(err.contains("config") && err.contains("env"), "{err}");
    assert!(check("{{ count").is_err(), "syntax errors are refused at load");
    assert!(render_en("{{ latest.no_such_column }}").is_err());
    assert!(render_en("{% if first.no_such_column %}x{% endif %}").is_err());
    assert!(render_en("{% for r in rows %}{{ r.nope }}{% endfor %}").is_err());
    assert!(render_en("{{ range(3) }}").is_err(), "no functions");
}

#[test]
fn row_columns_lists_what_a_template_reads_from_single_rows() {
    let cols =
        row_columns("{{ latest.event_time | time }} {{ first.account_id }} {% if earliest.x %}{% endif %} {{ count }}")
            .unwrap();
    assert_eq!(cols.into_iter().collect::<Vec<_>>(), ["account_id", "event_time", "x"]);
}

#[test]
fn every_interpolation_is_one_short_line() {
    let accounts = Vec::new();
    let who = Audience { language: Language::En, tz: chrono_tz::UTC, accounts: &accounts };
    let mut r = result();
    r.rows[0][1] = Value::Text(format!("a\nb\r{}", "x".repeat(500)));
    let text = render("[{{ first.account_id }}]", &Context::new(&r, None, &who), &who).unwrap();
    assert!(!text.contains('\n') && text.chars().count() <= 102, "{text}");
}

#[test]
fn the_time_filter_refuses_what_is_not_a_time() {
    assert!(render_en("{{ latest.account_id | time }}").is_err());
}

#[test]
fn checking_against_a_result_names_a_column_the_sql_does_not_return() {
    let accounts = sample_lake_accounts();
    let who = Audience { language: Language::Ko, tz: chrono_tz::Asia::Seoul, accounts: &accounts };
    let err = check_on("{{ latest.source_ip }} {{ first.calls }}", &result(), &who).unwrap_err();
    assert!(err.contains("source_ip") && !err.contains("calls"), "{err}");
    assert_eq!(check_on("{{ latest.account_id | account }}", &result(), &who).unwrap(), "acme-prod");
    let empty = QueryResult { rows: Vec::new(), ..result() };
    assert_eq!(
        check_on("{{ count }} {{ latest.calls | num }}", &empty, &who).unwrap(),
        "1 1",
        "an empty result is checked on a made-up row"
    );
    assert!(check_on("{{ latest.nope }}", &empty, &who).is_err());
    assert!(check_on("{{ \"{{\" }}", &result(), &who).is_err(), "leftover template syntax is refused");
}

#[test]
fn short_keeps_the_resource_part_of_an_arn() {
    assert_eq!(short_arn("arn:aws:sts::318205947761:assumed-role/app/i-0abc"), "assumed-role/app/i-0abc");
    assert_eq!(short_arn("arn:aws:iam::123456789012:user/alice"), "user/alice");
    assert_eq!(short_arn("arn:aws:s3:::bucket-x"), "bucket-x");
    assert_eq!(short_arn("alice"), "alice");
    assert_eq!(short_arn("arn:broken"), "arn:broken");
}
