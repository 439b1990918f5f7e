//! Slice choice over an eight-table catalog (the shipped tables plus `tests/data/catalog_extra_tables.toml`
//! where the shipped catalog does not have them yet).

use super::*;
use crate::catalog::Binding;
use crate::pipeline::validate::{ValidationError, validate};

const EXTRA: &str = include_str!("../../../tests/data/catalog_extra_tables.toml");

/// The embedded catalog plus whichever of the six synthetic tables it lacks.
pub(crate) fn eight_tables() -> Catalog {
    let mut catalog = Catalog::embedded().unwrap();
    let extra = Catalog::parse(EXTRA).unwrap();
    for t in extra.tables {
        if catalog.table(&t.name).is_none() {
            catalog.tables.push(t);
        }
    }
    assert_eq!(catalog.tables.len(), 8, "{}", catalog.table_names());
    catalog
}

fn pick(catalog: &Catalog, question: &str) -> Selection {
    select(catalog, &SliceInputs { question, examples: &[], history: &[], widen: &Widen::default() })
}

fn example(sql: &str) -> Example {
    Example { id: "e".into(), question: "q".into(), sql: sql.into(), score: 0.6 }
}

#[test]
fn a_question_naming_one_source_shows_that_table_only_with_its_core_columns() {
    let catalog = eight_tables();
    let s = pick(&catalog, "GuardDuty에서 high 이상 finding 있어?");
    assert_eq!(s.shown.table_names(), "findings");
    let shown = s.shown_columns("findings");
    for col in ["event_time", "account_id", "region", "severity"] {
        assert!(shown.contains(col), "{col} missing from {shown}");
    }
    assert!(s.shown.table("findings").unwrap().columns.len() < catalog.table("findings").unwrap().columns.len());
    assert_eq!(s.others.len(), 7);
    assert!(!s.broad);
}

#[test]
fn a_cross_source_question_shows_both_tables_and_their_join_keys() {
    let catalog = eight_tables();
    let s = pick(&catalog, "which IPs did WAF block for SQL injection, and did they reach us in VPC flow?");
    assert_eq!(s.shown.table_names(), "vpcflow, waf");
    let ip = s.joins.iter().find(|j| j.key == JoinKey::Ip).expect("an IP join");
    assert!(ip.pairs.iter().any(|p| p == "vpcflow.src_ip = waf.client_ip"), "{:?}", ip.pairs);
    assert!(s.joins.iter().any(|j| j.key == JoinKey::Time));
    assert!(s.shown.table("waf").unwrap().column("client_ip").is_some(), "the join column is shown");
}

#[test]
fn an_instance_question_joins_findings_and_dns_on_the_instance_id() {
    let catalog = eight_tables();
    let s = pick(&catalog, "which instance resolved a crypto-mining domain that GuardDuty flagged?");
    assert!(s.shown.table("dns").is_some() && s.shown.table("findings").is_some(), "{}", s.shown.table_names());
    let pairs: Vec<&String> = s.joins.iter().filter(|j| j.key == JoinKey::Instance).flat_map(|j| &j.pairs).collect();
    assert!(pairs.iter().any(|p| *p == "findings.instance_id = dns.instance_id"), "{pairs:?}");
}

#[test]
fn the_examples_tables_and_columns_are_always_shown() {
    let catalog = eight_tables();
    let ex =
        [example("SELECT bucket, object_key FROM s3_data WHERE event_time > current_timestamp - INTERVAL '1' DAY")];
    let s = select(
        &catalog,
        &SliceInputs { question: "루트 계정 사용 기록", examples: &ex, history: &[], widen: &Widen::default() },
    );
    let s3 = s.shown.table("s3_data").expect("the example's table");
    assert!(s3.column("bucket").is_some() && s3.column("object_key").is_some());
    assert!(s.shown.table("cloudtrail").is_some());
}

#[test]
fn a_question_naming_no_source_shows_the_best_guess_whole() {
    let catalog = eight_tables();
    let s = pick(&catalog, "뭐 이상한 거 없어?");
    assert!(s.broad);
    assert_eq!(s.shown.table_names(), "cloudtrail");
    assert_eq!(s.shown.tables[0].columns.len(), catalog.tables[0].columns.len());
}

#[test]
fn a_follow_up_keeps_the_tables_of_the_thread() {
    let catalog = eight_tables();
    let history = [Turn {
        question: "EKS에서 exec 한 사람?".into(),
        sql: Some("SELECT user_name, verb FROM eks_audit WHERE subresource = 'exec'".into()),
        columns: vec![],
        row_count: 3,
        answer: "3".into(),
    }];
    let s = select(
        &catalog,
        &SliceInputs {
            question: "그 중 실패한 것만", examples: &[], history: &history, widen: &Widen::default()
        },
    );
    let eks = s.shown.table("eks_audit").expect("the thread's table");
    assert!(eks.column("subresource").is_some() && eks.column("user_name").is_some());
}

#[test]
fn the_validator_given_the_slice_refuses_an_unshown_column_and_the_retry_shows_it() {
    let catalog = eight_tables();
    let s = pick(&catalog, "GuardDuty high findings");
    assert!(s.shown.table("findings").unwrap().column("remediation").is_none());
    let sql = "SELECT remediation FROM findings WHERE event_time > current_timestamp - INTERVAL '1' DAY";
    let shown_only = Catalog {
        tables: s.shown.tables.iter().filter(|t| t.name == "findings").cloned().collect(),
        ..Default::default()
    };
    let err = validate(sql, &shown_only, &Binding::DuckDbSampleLake, 100).unwrap_err();
    assert!(matches!(err, ValidationError::UnknownColumn { .. }), "{err}");
    let mut widen = Widen::default();
    let text = after_refusal(&err, "", &catalog, &s, &mut widen).expect("a slice refusal");
    assert!(text.contains("not among the columns shown") && text.contains("severity"), "{text}");
    assert!(widen.columns.contains(&("findings".to_owned(), "remediation".to_owned())));
    let next = select(
        &catalog,
        &SliceInputs { question: "GuardDuty high findings", examples: &[], history: &[], widen: &widen },
    );
    assert!(validate(sql, &next.shown, &Binding::DuckDbSampleLake, 100).is_ok());
}

#[test]
fn an_unshown_table_is_refused_then_shown_whole() {
    let catalog = eight_tables();
    let s = pick(&catalog, "GuardDuty high findings");
    let sql = "SELECT query_name FROM dns WHERE event_time > current_timestamp - INTERVAL '1' DAY";
    let err = validate(sql, &s.shown, &Binding::DuckDbSampleLake, 100).unwrap_err();
    let mut widen = Widen::default();
    let text = after_refusal(&err, "", &catalog, &s, &mut widen).expect("a slice refusal");
    assert!(text.contains("`dns` was not shown"), "{text}");
    let next = select(
        &catalog,
        &SliceInputs { question: "GuardDuty high findings", examples: &[], history: &[], widen: &widen },
    );
    assert_eq!(next.shown.table("dns").unwrap().columns.len(), catalog.table("dns").unwrap().columns.len());
}

#[test]
fn a_name_in_no_table_is_left_to_the_ordinary_diagnosis() {
    let catalog = eight_tables();
    let s = pick(&catalog, "GuardDuty high findings");
    let err = ValidationError::UnknownTable { table: "payroll".into(), available: String::new() };
    assert_eq!(after_refusal(&err, "", &catalog, &s, &mut Widen::default()), None);
}
