//! The matcher on the cases that decide whether an accuracy number can be trusted.

use chrono::DateTime;

use super::*;
use crate::engines::{ColumnMeta, ColumnType};

fn result(cols: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult {
        columns: cols.iter().map(|c| ColumnMeta { name: (*c).into(), ty: ColumnType::Text }).collect(),
        rows,
        ..QueryResult::default()
    }
}
fn t(s: &str) -> Value {
    Value::Text(s.into())
}
fn i(n: i64) -> Value {
    Value::Int(n)
}
fn ts(s: &str) -> Value {
    Value::Timestamp(DateTime::parse_from_rfc3339(s).unwrap().to_utc())
}
const ANY: MatchSpec = MatchSpec { ordered: false, top1: false, scalar: false };

#[test]
fn columns_are_matched_by_values_and_extra_predicted_columns_are_allowed() {
    let gold = result(&["ip", "n"], vec![vec![t("1.1.1.1"), i(3)], vec![t("2.2.2.2"), i(1)]]);
    let pred = result(
        &["calls", "region", "source_ip"],
        vec![vec![i(1), t("us-east-1"), t("2.2.2.2")], vec![i(3), t("us-east-1"), t("1.1.1.1")]],
    );
    assert!(matches(&gold, &pred, ANY));
    // A missing gold column is a failure, even with every other column right.
    let only_ips = result(&["ip"], vec![vec![t("1.1.1.1")], vec![t("2.2.2.2")]]);
    assert!(!matches(&gold, &only_ips, ANY));
}

#[test]
fn values_must_stay_together_row_for_row_not_just_per_column() {
    let gold = result(&["ip", "n"], vec![vec![t("a"), i(3)], vec![t("b"), i(1)]]);
    // Same column multisets, rows swapped between columns: wrong pairing.
    let pred = result(&["ip", "n"], vec![vec![t("a"), i(1)], vec![t("b"), i(3)]]);
    assert!(!matches(&gold, &pred, ANY));
}

#[test]
fn two_identical_gold_columns_need_two_predicted_columns() {
    let gold = result(&["a", "b"], vec![vec![i(1), i(1)], vec![i(2), i(2)]]);
    let pred = result(&["a"], vec![vec![i(1)], vec![i(2)]]);
    assert!(!matches(&gold, &pred, ANY));
}

#[test]
fn order_is_ignored_unless_asked_and_ties_may_come_in_any_order() {
    let gold = result(&["op", "n"], vec![vec![t("A"), i(5)], vec![t("B"), i(2)], vec![t("C"), i(2)]]);
    let reversed = result(&["op", "n"], vec![vec![t("C"), i(2)], vec![t("B"), i(2)], vec![t("A"), i(5)]]);
    let ties_swapped = result(&["op", "n"], vec![vec![t("A"), i(5)], vec![t("C"), i(2)], vec![t("B"), i(2)]]);
    assert!(matches(&gold, &reversed, ANY));
    let ordered = MatchSpec { ordered: true, ..ANY };
    assert!(!matches(&gold, &reversed, ordered));
    assert!(matches(&gold, &ties_swapped, ordered));
}

#[test]
fn duplicates_are_counted() {
    let gold = result(&["ip"], vec![vec![t("a")], vec![t("a")], vec![t("b")]]);
    let pred = result(&["ip"], vec![vec![t("a")], vec![t("b")], vec![t("b")]]);
    assert!(!matches(&gold, &pred, ANY));
}

#[test]
fn top1_takes_the_first_row_and_accepts_any_row_tied_at_the_top() {
    let gold = result(&["user", "n"], vec![vec![t("alice"), i(9)], vec![t("bob"), i(9)], vec![t("carol"), i(4)]]);
    let top = MatchSpec { top1: true, ..ANY };
    assert!(matches(&gold, &result(&["user", "n"], vec![vec![t("bob"), i(9)]]), top));
    assert!(!matches(&gold, &result(&["user"], vec![vec![t("alice")]]), top), "the count column is missing");
    assert!(!matches(&gold, &result(&["user", "n"], vec![vec![t("carol"), i(4)], vec![t("alice"), i(9)]]), top));
    // A prediction listing the whole ranking passes on its first row.
    let all = result(&["n", "user"], vec![vec![i(9), t("alice")], vec![i(9), t("bob")], vec![i(4), t("carol")]]);
    assert!(matches(&gold, &all, top));
}

#[test]
fn counts_are_scalars_and_may_carry_a_label() {
    let gold = result(&["count"], vec![vec![i(40)]]);
    let scalar = MatchSpec { scalar: true, ..ANY };
    assert!(matches(&gold, &result(&["error_code", "failures"], vec![vec![t("AccessDenied"), i(40)]]), scalar));
    assert!(!matches(&gold, &result(&["n"], vec![vec![i(41)]]), scalar));
    assert!(!matches(&gold, &result(&["n"], vec![vec![i(40)], vec![i(1)]]), scalar), "two rows are not a count");
}

#[test]
fn nulls_equal_nulls_only() {
    let gold = result(&["code"], vec![vec![Value::Null], vec![t("AccessDenied")]]);
    assert!(matches(&gold, &result(&["c"], vec![vec![t("AccessDenied")], vec![Value::Null]]), ANY));
    assert!(!matches(&gold, &result(&["c"], vec![vec![t("AccessDenied")], vec![t("")]]), ANY));
    assert!(!matches(&gold, &result(&["c"], vec![vec![t("AccessDenied")], vec![i(0)]]), ANY));
}

#[test]
fn timestamps_in_different_zones_and_spellings_are_the_same_instant() {
    let gold = result(&["at"], vec![vec![ts("2026-11-26T17:47:05Z")]]);
    for same in
        ["2026-11-27T02:47:05+09:00", "2026-11-26 17:47:05", "2026-11-26 17:47:05.000", "2026-11-27 02:47:05+09"]
    {
        assert!(matches(&gold, &result(&["at"], vec![vec![t(same)]]), ANY), "{same}");
    }
    assert!(!matches(&gold, &result(&["at"], vec![vec![t("2026-11-27 02:47:05")]]), ANY), "naive KST text is not UTC");
}

#[test]
fn numbers_as_text_floats_and_integers_compare_by_value() {
    let gold = result(&["n", "avg"], vec![vec![i(40), Value::Float(3.333_333_333)]]);
    let pred = result(&["n", "avg"], vec![vec![t("40"), t("3.3333333")]]);
    assert!(matches(&gold, &pred, ANY));
    assert!(matches(&result(&["n"], vec![vec![Value::Float(2.0)]]), &result(&["n"], vec![vec![t("2")]]), ANY));
    assert!(!matches(&result(&["n"], vec![vec![i(2)]]), &result(&["n"], vec![vec![t("2.5")]]), ANY));
    assert!(matches(&result(&["b"], vec![vec![Value::Bool(false)]]), &result(&["b"], vec![vec![t("false")]]), ANY));
}

#[test]
fn none_found_matches_none_found_whatever_the_columns() {
    let gold = result(&["a", "b"], vec![]);
    assert!(matches(&gold, &result(&["x"], vec![]), ANY));
    assert!(!matches(&gold, &result(&["x"], vec![vec![i(1)]]), ANY));
    assert!(!matches(&result(&["x"], vec![vec![i(1)]]), &gold, ANY));
}

#[test]
fn the_first_difference_names_a_missing_and_an_extra_row() {
    let gold = result(&["ip", "n"], vec![vec![t("a"), i(3)], vec![t("b"), i(1)]]);
    let pred = result(&["ip", "n"], vec![vec![t("a"), i(3)], vec![t("c"), i(1)]]);
    let (missing, extra) = first_difference(&gold, &pred);
    assert_eq!(missing.as_deref(), Some("b | 1"));
    assert_eq!(extra.as_deref(), Some("c | 1"));
    assert_eq!(first_difference(&gold, &gold), (None, None));
}
