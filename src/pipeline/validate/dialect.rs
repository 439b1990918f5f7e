//! Rewrites for DuckDB of Trino functions that take lambdas (a TEMP macro cannot pass a lambda through).

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, ObjectName, Query, visit_expressions_mut};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// Trino lambda functions rewritten here (DuckDB lacks them under these names).
pub(super) const REWRITTEN: [&str; 4] = ["transform", "any_match", "all_match", "none_match"];

/// `transform` → `list_transform`; `any_match` / `all_match` / `none_match` → list aggregates over it.
pub(super) fn rewrite_for_duckdb(query: &mut Query) {
    let _ = visit_expressions_mut(query, |e| {
        if let Expr::Function(f) = e {
            let name = f.name.to_string().to_ascii_lowercase();
            if !REWRITTEN.contains(&name.as_str()) {
                return ControlFlow::<()>::Continue(());
            }
            let wrap = match name.as_str() {
                "transform" => None,
                "any_match" => Some(("coalesce(list_bool_or(", "), false)")),
                "all_match" => Some(("coalesce(list_bool_and(", "), true)")),
                "none_match" => Some(("NOT coalesce(list_bool_or(", "), false)")),
                _ => return ControlFlow::<()>::Continue(()),
            };
            f.name = ObjectName::from(vec![Ident::new("list_transform")]);
            if let Some((open, close)) = wrap {
                let text = format!("({open}{f}{close})");
                if let Ok(expr) = Parser::new(&GenericDialect {}).try_with_sql(&text).and_then(|mut p| p.parse_expr()) {
                    *e = expr;
                }
            }
        }
        ControlFlow::Continue(())
    });
}
