//! AST helpers of the property tests: mutate the n-th expression, table or SELECT, and list what SQL calls and reads.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, Select, SetExpr, TableFactor, Visit, Visitor, VisitorMut, visit_expressions_mut};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::super::{Binding, ValidatedSql};
use super::catalog;

pub(super) fn parse(sql: &str) -> Option<Box<Query>> {
    match Parser::parse_sql(&GenericDialect {}, sql).ok()?.pop()? {
        sqlparser::ast::Statement::Query(q) => Some(q),
        _ => None,
    }
}

/// Replaces the `n`th expression (mod their count) with `name(<expression>)`; false if that does not parse.
pub(super) fn wrap_nth_expression(query: &mut Query, n: usize, name: &str) -> bool {
    let mut count = 0;
    let _ = visit_expressions_mut(query, |_| {
        count += 1;
        ControlFlow::<()>::Continue(())
    });
    let (target, mut i, mut ok) = (n % count.max(1), 0, false);
    let _ = visit_expressions_mut(query, |e| {
        if i == target
            && let Ok(call) =
                Parser::new(&GenericDialect {}).try_with_sql(&format!("{name}({e})")).and_then(|mut p| p.parse_expr())
        {
            *e = call;
            ok = true;
        }
        i += 1;
        ControlFlow::<()>::Continue(())
    });
    ok
}

/// Replaces the `n`th named table with `replacement` (parsed as a relation: a path, a qualified name, a call).
pub(super) struct SwapTable {
    pub target: usize,
    pub seen: usize,
    pub replacement: TableFactor,
}

impl VisitorMut for SwapTable {
    type Break = ();
    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if matches!(factor, TableFactor::Table { .. }) {
            if self.seen == self.target {
                *factor = self.replacement.clone();
            }
            self.seen += 1;
        }
        ControlFlow::Continue(())
    }
}

pub(super) fn first_relation(q: &Query) -> Option<TableFactor> {
    match q.body.as_ref() {
        SetExpr::Select(s) => s.from.first().map(|t| t.relation.clone()),
        _ => None,
    }
}

pub(super) fn table_count(q: &Query) -> usize {
    struct Count(usize);
    impl Visitor for Count {
        type Break = ();
        fn pre_visit_table_factor(&mut self, f: &TableFactor) -> ControlFlow<()> {
            self.0 += usize::from(matches!(f, TableFactor::Table { .. }));
            ControlFlow::Continue(())
        }
    }
    let mut c = Count(0);
    let _ = Visit::visit(q, &mut c);
    c.0
}

/// Applies `edit` to the `n`th SELECT of a query.
pub(super) struct EditSelect<F: FnMut(&mut Select)> {
    pub target: usize,
    pub seen: usize,
    pub edit: F,
}

impl<F: FnMut(&mut Select)> VisitorMut for EditSelect<F> {
    type Break = ();
    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        if self.seen == self.target {
            (self.edit)(select);
        }
        self.seen += 1;
        ControlFlow::Continue(())
    }
}

pub(super) fn count_selects(q: &Query) -> usize {
    struct Count(usize);
    impl Visitor for Count {
        type Break = ();
        fn pre_visit_select(&mut self, _: &Select) -> ControlFlow<()> {
            self.0 += 1;
            ControlFlow::Continue(())
        }
    }
    let mut c = Count(0);
    let _ = Visit::visit(q, &mut c);
    c.0.max(1)
}

/// The user part of executable SQL: the binding's CTEs (in DuckDB or Trino syntax) cut off the front.
pub(super) fn user_part(v: &ValidatedSql, binding: &Binding) -> String {
    let none = crate::catalog::Pushdown::default();
    let prelude: Vec<String> = v
        .tables()
        .iter()
        .map(|t| binding.pruned_cte(catalog(), t, v.pushdowns().get(t).unwrap_or(&none)).unwrap())
        .collect();
    if prelude.is_empty() {
        return v.executable().to_owned();
    }
    let prefix = format!("WITH {}", prelude.join(",\n"));
    let rest = v.executable().strip_prefix(&prefix).expect("the executable SQL starts with the binding's CTEs");
    match rest.strip_prefix(",\n") {
        Some(user_ctes) => format!("WITH {user_ctes}"),
        None => rest.to_owned(),
    }
}

/// Every function name and relation in `sql`.
pub(super) fn calls_and_relations(sql: &str) -> (Vec<String>, Vec<String>) {
    struct Collect(Vec<String>, Vec<String>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = e {
                self.0.push(f.name.to_string().to_ascii_lowercase());
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, f: &TableFactor) -> ControlFlow<()> {
            match f {
                TableFactor::Table { name, args: None, .. } => self.1.push(name.to_string().to_ascii_lowercase()),
                TableFactor::Derived { .. } | TableFactor::UNNEST { .. } | TableFactor::NestedJoin { .. } => {}
                other => self.1.push(format!("<{other}>")),
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(Vec::new(), Vec::new());
    let _ = Visit::visit(&*parse(sql).expect("the user part parses"), &mut c);
    (c.0, c.1)
}

pub(super) fn cte_names(sql: &str) -> Vec<String> {
    struct Ctes(Vec<String>);
    impl Visitor for Ctes {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            self.0.extend(q.with.iter().flat_map(|w| &w.cte_tables).map(|c| c.alias.name.value.to_ascii_lowercase()));
            ControlFlow::Continue(())
        }
    }
    let mut c = Ctes(Vec::new());
    let _ = Visit::visit(&*parse(sql).expect("parses"), &mut c);
    c.0
}
