//! The matcher: does a predicted query's result answer the question the way the gold query's result does?
//!
//! It compares execution results, never SQL text. The rules, in order:
//! 1. **Cells are compared by meaning.** NULL equals NULL (and nothing else); numbers compare by value, whether
//!    the engine returned an integer, a float or text ("40", "40.0" and 40 are equal; non-integers are rounded
//!    to 6 decimals); `true`/`false` text equals a boolean; timestamps compare as instants to the second, so a
//!    `TIMESTAMP` in UTC, RFC 3339 text with any offset (`…T02:47:00+09:00`) and naive text (read as UTC) are
//!    equal when they name the same moment; other text compares exactly, after trimming.
//! 2. **Both empty is a match** (the answer is "none"), whatever the columns; one side empty is not.
//! 3. **Columns are matched by their values, not their names.** Every gold column must be paired with a
//!    distinct predicted column holding the same values row for row; extra predicted columns are allowed
//!    (a model may show more context), missing ones are not. Column order does not matter.
//! 4. **Rows are a multiset** (order ignored, duplicates counted) unless the question asks for an order
//!    ([`MatchSpec::ordered`]); then the predicted rows must come in the gold order, except that rows tied on
//!    every numeric gold column (a run of equal counts) may come in any order among themselves.
//! 5. **"most / 가장" questions ([`MatchSpec::top1`]) compare the first row only**: the predicted first row
//!    must equal the gold first row or any gold row tied with it on every numeric column (ties at the top are
//!    all right answers). The gold SQL lists the ranking; the prediction may `LIMIT 1` or list more.
//! 6. **Counts ([`MatchSpec::scalar`])**: the gold result is one value; the prediction matches when it has
//!    exactly one row and one of its cells equals that value (a count with a label column is fine).
//!
//! A question may have several accepted gold results (alternative readings, e.g. "this week" as the last 7
//! days or since Monday); the caller matches against each and passes when any matches.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime};

use crate::engines::{QueryResult, Value};

/// How a question's answer is compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchSpec {
    /// The question asks for an order ("latest first", "top 5 by count").
    pub ordered: bool,
    /// The question asks for the single most/least something ("가장 많은", "the most").
    pub top1: bool,
    /// The answer is one number (a count, a sum).
    pub scalar: bool,
}

/// A cell reduced to what it means.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integral number.
    Int(i64),
    /// A non-integral number, rounded to 6 decimals and printed.
    Dec(String),
    /// An instant, seconds since the epoch.
    Time(i64),
    /// Other text, trimmed.
    Text(String),
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Dec(d) => f.write_str(d),
            Cell::Time(t) => match DateTime::from_timestamp(*t, 0) {
                Some(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M:%S")),
                None => write!(f, "@{t}"),
            },
            Cell::Text(s) => f.write_str(s),
        }
    }
}

/// Normalises one engine value (rule 1).
pub fn cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Int(i) => Cell::Int(*i),
        Value::Float(x) => number(*x),
        Value::Timestamp(t) => Cell::Time(t.timestamp()),
        Value::Text(s) => text(s.trim()),
    }
}

fn number(x: f64) -> Cell {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Cell::Int(x as i64)
    } else {
        let rounded = (x * 1e6).round() / 1e6;
        if rounded.fract() == 0.0 && rounded.abs() < 9.0e15 {
            Cell::Int(rounded as i64)
        } else {
            Cell::Dec(format!("{rounded:.6}"))
        }
    }
}

fn text(s: &str) -> Cell {
    if let Ok(i) = s.parse::<i64>() {
        return Cell::Int(i);
    }
    if s.contains(['.', 'e', 'E'])
        && s.chars().any(|c| c.is_ascii_digit())
        && !s.contains(':')
        && let Ok(x) = s.parse::<f64>()
    {
        return number(x);
    }
    match s {
        "true" | "TRUE" => return Cell::Bool(true),
        "false" | "FALSE" => return Cell::Bool(false),
        _ => {}
    }
    if let Some(t) = instant(s) {
        return Cell::Time(t);
    }
    Cell::Text(s.to_owned())
}

/// Reads RFC 3339 (any offset) or a naive `YYYY-MM-DD HH:MM:SS[.fff]` taken as UTC.
fn instant(s: &str) -> Option<i64> {
    if s.len() < 19 || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(t.timestamp());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.timestamp());
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    None
}

/// A result as normalised rows.
fn rows(result: &QueryResult) -> Vec<Vec<Cell>> {
    result.rows.iter().map(|r| r.iter().map(cell).collect()).collect()
}

/// Whether `predicted` answers like `gold` under `spec` (rules 2–6).
pub fn matches(gold: &QueryResult, predicted: &QueryResult, spec: MatchSpec) -> bool {
    let (g, p) = (rows(gold), rows(predicted));
    let gold_width = gold.columns.len();
    if g.is_empty() || p.is_empty() {
        return g.is_empty() && p.is_empty();
    }
    if spec.scalar && g.len() == 1 && gold_width == 1 {
        return p.len() == 1 && p[0].contains(&g[0][0]);
    }
    if spec.top1 {
        return top1_matches(&g, &p, gold_width);
    }
    if g.len() != p.len() {
        return false;
    }
    let candidates = column_candidates(&g, &p, gold_width);
    let mut chosen = Vec::with_capacity(gold_width);
    assign(&candidates, &mut chosen, &mut |mapping| rows_match(&g, &project(&p, mapping), spec.ordered))
}

/// Predicted columns whose values could be each gold column's (same multiset of values).
fn column_candidates(g: &[Vec<Cell>], p: &[Vec<Cell>], gold_width: usize) -> Vec<Vec<usize>> {
    let pred_width = p.first().map_or(0, Vec::len);
    fn sorted(rows: &[Vec<Cell>], j: usize) -> Vec<&Cell> {
        let mut v: Vec<&Cell> = rows.iter().map(|r| &r[j]).collect();
        v.sort();
        v
    }
    let pred_cols: Vec<Vec<&Cell>> = (0..pred_width).map(|k| sorted(p, k)).collect();
    (0..gold_width)
        .map(|j| {
            let gc = sorted(g, j);
            (0..pred_width).filter(|&k| pred_cols[k] == gc).collect()
        })
        .collect()
}

/// Tries injective column assignments depth-first until `check` accepts one (bounded: at most 10 000 tries).
fn assign(candidates: &[Vec<usize>], chosen: &mut Vec<usize>, check: &mut dyn FnMut(&[usize]) -> bool) -> bool {
    fn go(
        c: &[Vec<usize>],
        chosen: &mut Vec<usize>,
        check: &mut dyn FnMut(&[usize]) -> bool,
        budget: &mut u32,
    ) -> bool {
        if *budget == 0 {
            return false;
        }
        let j = chosen.len();
        if j == c.len() {
            *budget -= 1;
            return check(chosen);
        }
        for &k in &c[j] {
            if chosen.contains(&k) {
                continue;
            }
            chosen.push(k);
            if go(c, chosen, check, budget) {
                return true;
            }
            chosen.pop();
        }
        false
    }
    let mut budget = 10_000;
    go(candidates, chosen, check, &mut budget)
}

fn project(p: &[Vec<Cell>], mapping: &[usize]) -> Vec<Vec<Cell>> {
    p.iter().map(|r| mapping.iter().map(|&k| r[k].clone()).collect()).collect()
}

/// Rule 4: multiset equality, or gold order with ties (equal numeric columns) in any order.
fn rows_match(g: &[Vec<Cell>], p: &[Vec<Cell>], ordered: bool) -> bool {
    if !ordered {
        return multiset(g) == multiset(p);
    }
    let numeric = numeric_columns(g);
    if numeric.is_empty() {
        return g == p;
    }
    let key = |r: &Vec<Cell>| numeric.iter().map(|&j| r[j].clone()).collect::<Vec<_>>();
    let mut i = 0;
    while i < g.len() {
        let run_key = key(&g[i]);
        let end = (i..g.len()).find(|&e| key(&g[e]) != run_key).unwrap_or(g.len());
        if multiset(&g[i..end]) != multiset(&p[i..end]) {
            return false;
        }
        i = end;
    }
    true
}

fn numeric_columns(g: &[Vec<Cell>]) -> Vec<usize> {
    let width = g.first().map_or(0, Vec::len);
    (0..width)
        .filter(|&j| g.iter().all(|r| matches!(r[j], Cell::Int(_) | Cell::Dec(_) | Cell::Null)))
        .filter(|&j| g.iter().any(|r| !matches!(r[j], Cell::Null)))
        .collect()
}

fn multiset(rows: &[Vec<Cell>]) -> BTreeMap<&Vec<Cell>, usize> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(r).or_insert(0) += 1;
    }
    m
}

/// Rule 5: the predicted first row equals the gold first row or a gold row tied with it.
fn top1_matches(g: &[Vec<Cell>], p: &[Vec<Cell>], gold_width: usize) -> bool {
    let numeric = numeric_columns(g);
    let tied: Vec<&Vec<Cell>> =
        g.iter().filter(|r| numeric.iter().all(|&j| r[j] == g[0][j]) && (!numeric.is_empty() || *r == &g[0])).collect();
    let first = &p[0];
    tied.iter().any(|gold_row| {
        let candidates: Vec<Vec<usize>> =
            (0..gold_width).map(|j| (0..first.len()).filter(|&k| first[k] == gold_row[j]).collect()).collect();
        assign(&candidates, &mut Vec::new(), &mut |_| true)
    })
}

/// The first gold row the prediction lacks and the first predicted row gold lacks (compared on the cells as
/// printed), for the report; `None` on a side that has nothing extra.
pub fn first_difference(gold: &QueryResult, predicted: &QueryResult) -> (Option<String>, Option<String>) {
    let (g, p) = (rows(gold), rows(predicted));
    let print = |r: &Vec<Cell>| r.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | ");
    let as_sets = |rows: &[Vec<Cell>]| {
        let mut m: BTreeMap<Vec<Cell>, usize> = BTreeMap::new();
        for r in rows {
            let mut r = r.clone();
            r.sort();
            *m.entry(r).or_insert(0) += 1;
        }
        m
    };
    let (gs, ps) = (as_sets(&g), as_sets(&p));
    let missing = g.iter().find(|r| {
        let mut k = (*r).clone();
        k.sort();
        !ps.keys().any(|pk| k.iter().all(|c| pk.contains(c)))
    });
    let extra = p.iter().find(|r| {
        let mut k = (*r).clone();
        k.sort();
        !gs.keys().any(|gk| gk.iter().all(|c| k.contains(c)))
    });
    (missing.map(print), extra.map(print))
}

#[cfg(test)]
mod tests;
