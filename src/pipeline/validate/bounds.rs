//! Partition bounds read from the validated AST: for each catalog table, the `event_time` window and the
//! `account_id` / `region` values that EVERY use of it in the query is restricted to.
//!
//! Only top-level `AND`ed conjuncts of the `WHERE` of the `SELECT` that reads the table count, each a comparison
//! of the table's column with a constant (`>=`, `>`, `<`, `<=`, `=`, `BETWEEN`, `IN`, `=` on a string). Such a
//! conjunct drops exactly the rows it would drop anyway (also under outer joins, as a `WHERE` comparison is
//! false on NULL), so pushing it into the binding's CTE never changes a result. Two uses of a table get the
//! hull of their bounds; a use this walk does not see (counted against every relation in the tree) leaves the
//! table unbounded, so the walk fails open towards scanning more, never towards wrong answers.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use sqlparser::ast::{
    BinaryOperator, DataType, DateTimeField, Expr, Query, Select, SetExpr, TableFactor, TableWithJoins, TimezoneInfo,
    Value, Visit, Visitor,
};

use super::collect::collect;
use crate::catalog::{Catalog, Pushdown, TimeBound};

/// Names a constant bound may mention (SQL niladic functions).
const NILADIC: [&str; 4] = ["current_timestamp", "current_date", "localtimestamp", "now"];

/// Per catalog table used by `query`, what every use restricts it to.
pub(super) fn derive(query: &Query, catalog: &Catalog) -> BTreeMap<String, Pushdown> {
    let mut walk = Walk { catalog, seen: BTreeMap::new() };
    walk.query(query);
    let counted = count_relations(query, catalog);
    walk.seen
        .into_iter()
        .map(|(table, uses)| {
            let complete = counted.get(&table) == Some(&uses.len());
            let hull = uses.into_iter().reduce(Pushdown::hull).filter(|_| complete).unwrap_or_default();
            (table, hull)
        })
        .collect()
}

struct Walk<'c> {
    catalog: &'c Catalog,
    seen: BTreeMap<String, Vec<Pushdown>>,
}

impl Walk<'_> {
    fn query(&mut self, q: &Query) {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.query(&cte.query);
            }
        }
        self.set_expr(&q.body);
        for sub in collect(&q.order_by).subqueries.iter().chain(&collect(&q.limit_clause).subqueries) {
            self.query(sub);
        }
    }

    fn set_expr(&mut self, s: &SetExpr) {
        match s {
            SetExpr::Select(sel) => self.select(sel),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left);
                self.set_expr(right);
            }
            other => {
                for sub in &collect(other).subqueries {
                    self.query(sub);
                }
            }
        }
    }

    fn select(&mut self, sel: &Select) {
        let mut uses = Vec::new();
        let mut relations = 0;
        for twj in &sel.from {
            self.relations(twj, &mut uses, &mut relations);
        }
        let conjuncts = sel.selection.as_ref().map(conjuncts).unwrap_or_default();
        for (alias, table) in uses {
            let owner = Owner { alias: &alias, alone: relations == 1 };
            let pushdown = pushdown(&owner, &conjuncts);
            self.seen.entry(table).or_default().push(pushdown);
        }
        // Derived tables, and subqueries in any clause, each once.
        for sub in &collect(sel).subqueries {
            self.query(sub);
        }
    }

    fn relations(&self, twj: &TableWithJoins, uses: &mut Vec<(String, String)>, n: &mut usize) {
        for factor in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            match factor {
                TableFactor::NestedJoin { table_with_joins, .. } => self.relations(table_with_joins, uses, n),
                TableFactor::Table { name, alias, .. } => {
                    *n += 1;
                    if let Some(table) = self.catalog_table(name) {
                        let alias = alias.as_ref().map_or(table.clone(), |a| a.name.value.to_ascii_lowercase());
                        uses.push((alias, table));
                    }
                }
                _ => *n += 1,
            }
        }
    }

    fn catalog_table(&self, name: &sqlparser::ast::ObjectName) -> Option<String> {
        catalog_table(self.catalog, name)
    }
}

fn catalog_table(catalog: &Catalog, name: &sqlparser::ast::ObjectName) -> Option<String> {
    let [part] = name.0.as_slice() else { return None };
    catalog.table(&part.as_ident()?.value).map(|t| t.name.clone())
}

/// How many times each catalog table appears as a relation anywhere in the tree.
fn count_relations(query: &Query, catalog: &Catalog) -> BTreeMap<String, usize> {
    struct Count<'c>(&'c Catalog, BTreeMap<String, usize>);
    impl Visitor for Count<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = factor
                && let Some(t) = catalog_table(self.0, name)
            {
                *self.1.entry(t).or_default() += 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut count = Count(catalog, BTreeMap::new());
    let _ = query.visit(&mut count);
    count.1
}

/// The top-level `AND`ed parts of a predicate.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// The relation a column must belong to: its alias, and whether it is alone in its `FROM` (then unqualified
/// names are its columns).
struct Owner<'a> {
    alias: &'a str,
    alone: bool,
}

impl Owner<'_> {
    /// The column `e` names, when it is a column of this relation.
    fn column(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Nested(inner) => self.column(inner),
            Expr::Identifier(i) if self.alone => Some(i.value.to_ascii_lowercase()),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [q, c] if q.value.eq_ignore_ascii_case(self.alias) => Some(c.value.to_ascii_lowercase()),
                _ => None,
            },
            _ => None,
        }
    }
}

fn pushdown(owner: &Owner<'_>, conjuncts: &[&Expr]) -> Pushdown {
    let mut p = Pushdown::default();
    for c in conjuncts {
        match c {
            Expr::BinaryOp { left, op, right } => {
                let (column, op, value) = match (owner.column(left), owner.column(right)) {
                    (Some(col), None) => (col, op.clone(), right.as_ref()),
                    (None, Some(col)) => (col, flip(op), left.as_ref()),
                    _ => continue,
                };
                comparison(&mut p, &column, &op, value);
            }
            Expr::Between { expr, negated: false, low, high }
                if owner.column(expr).as_deref() == Some("event_time") =>
            {
                tighten_from(&mut p, bound(low, true));
                tighten_until(&mut p, bound(high, true));
            }
            Expr::InList { expr, list, negated: false } => {
                let values: Option<BTreeSet<String>> = list.iter().map(string).collect();
                match owner.column(expr).as_deref() {
                    Some("account_id") => restrict(&mut p.accounts, values),
                    Some("region") => restrict(&mut p.regions, values),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    p
}

fn comparison(p: &mut Pushdown, column: &str, op: &BinaryOperator, value: &Expr) {
    match (column, op) {
        ("event_time", BinaryOperator::GtEq | BinaryOperator::Gt) => {
            tighten_from(p, bound(value, *op == BinaryOperator::GtEq));
        }
        ("event_time", BinaryOperator::LtEq | BinaryOperator::Lt) => {
            tighten_until(p, bound(value, *op == BinaryOperator::LtEq));
        }
        ("event_time", BinaryOperator::Eq) => {
            tighten_from(p, bound(value, true));
            tighten_until(p, bound(value, true));
        }
        ("account_id", BinaryOperator::Eq) => restrict(&mut p.accounts, string(value).map(|s| BTreeSet::from([s]))),
        ("region", BinaryOperator::Eq) => restrict(&mut p.regions, string(value).map(|s| BTreeSet::from([s]))),
        _ => {}
    }
}

/// `a op col` read as `col op' a`.
fn flip(op: &BinaryOperator) -> BinaryOperator {
    match op {
        BinaryOperator::Gt => BinaryOperator::Lt,
        BinaryOperator::GtEq => BinaryOperator::LtEq,
        BinaryOperator::Lt => BinaryOperator::Gt,
        BinaryOperator::LtEq => BinaryOperator::GtEq,
        other => other.clone(),
    }
}

/// Two conjuncts on one side: either holds, so keep the tighter when both are known, else the known one.
fn tighten_from(p: &mut Pushdown, b: Option<TimeBound>) {
    p.from = tighter(p.from.take(), b, |a, b| a > b);
}

fn tighten_until(p: &mut Pushdown, b: Option<TimeBound>) {
    p.until = tighter(p.until.take(), b, |a, b| a < b);
}

fn tighter(
    old: Option<TimeBound>,
    new: Option<TimeBound>,
    better: fn(NaiveDateTime, NaiveDateTime) -> bool,
) -> Option<TimeBound> {
    match (old, new) {
        (Some(o), Some(n)) => match (o.at, n.at) {
            (Some(a), Some(b)) if better(b, a) => Some(n),
            (None, Some(_)) => Some(n),
            _ => Some(o),
        },
        (o, n) => o.or(n),
    }
}

fn restrict(slot: &mut Option<BTreeSet<String>>, values: Option<BTreeSet<String>>) {
    if let Some(v) = values {
        *slot = Some(match slot.take() {
            Some(old) => old.intersection(&v).cloned().collect(),
            None => v,
        });
    }
}

fn string(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Nested(inner) => string(inner),
        _ => None,
    }
}

/// A constant `event_time` bound: no column and no subquery in it.
fn bound(e: &Expr, inclusive: bool) -> Option<TimeBound> {
    let c = collect(e);
    let constant = c.subqueries.is_empty()
        && c.names.iter().all(|n| n.len() == 1 && NILADIC.contains(&n[0].value.to_ascii_lowercase().as_str()));
    constant.then(|| TimeBound { sql: e.to_string(), at: evaluate(e), inclusive })
}

/// The UTC value of a timestamp literal, optionally plus or minus constant intervals.
fn evaluate(e: &Expr) -> Option<NaiveDateTime> {
    match e {
        Expr::Nested(inner) => evaluate(inner),
        Expr::TypedString(ts) => {
            let Value::SingleQuotedString(text) = &ts.value.value else { return None };
            match &ts.data_type {
                DataType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => parse_timestamp(text),
                DataType::Date => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0),
                _ => None,
            }
        }
        Expr::BinaryOp { left, op: op @ (BinaryOperator::Plus | BinaryOperator::Minus), right } => {
            let base = evaluate(left)?;
            let step = interval(right)?;
            if *op == BinaryOperator::Plus { base.checked_add_signed(step) } else { base.checked_sub_signed(step) }
        }
        _ => None,
    }
}

fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0))
}

/// `INTERVAL 'n' DAY|HOUR|MINUTE|SECOND|WEEK`.
fn interval(e: &Expr) -> Option<Duration> {
    let Expr::Interval(i) = e else { return None };
    if i.last_field.is_some() {
        return None;
    }
    let n: i64 = string(&i.value)?.trim().parse().ok()?;
    match i.leading_field.as_ref()? {
        DateTimeField::Week(_) => Duration::try_weeks(n),
        DateTimeField::Day | DateTimeField::Days => Duration::try_days(n),
        DateTimeField::Hour | DateTimeField::Hours => Duration::try_hours(n),
        DateTimeField::Minute | DateTimeField::Minutes => Duration::try_minutes(n),
        DateTimeField::Second | DateTimeField::Seconds => Duration::try_seconds(n),
        _ => None,
    }
}
