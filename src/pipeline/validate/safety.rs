//! The safety wall: one visitor over the whole parsed query that refuses by allow-list.
//!
//! Every query, SELECT, relation and expression of the tree passes through one [`Visitor`], wherever it sits
//! (projection, wildcard options, JOIN ON, ORDER BY, LIMIT, VALUES, lambda bodies, window specs, subqueries at any
//! depth), so a construct no check names is still seen. Each node kind is matched against the short list of forms the
//! product needs and anything else (including variants a future sqlparser adds) is refused:
//! - queries: plain `WITH` (never `RECURSIVE`), SELECT / set operations / VALUES, LIMIT / OFFSET / FETCH ([`clauses`]);
//! - relations: a catalog table or a CTE defined earlier in this query, named by a plain identifier; derived tables;
//!   `UNNEST`; parenthesised joins. No table functions, quoted paths or qualified names; no join without a condition
//!   except onto `UNNEST` ([`clauses`]);
//! - expressions: the variants in [`exprs`], and only functions on the bound engine's allow-list ([`super::allow`]).
//!
//! Every refusal says what to write instead; it is fed back to the model.

mod clauses;
mod exprs;

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectNamePart, OrderByExpr, Query, Select, TableFactor, Visit, Visitor};

use super::ValidationError;
use crate::catalog::Catalog;
use crate::engines::Dialect;

/// Checks the whole of `query` for `dialect`; the first refusal is returned.
pub(super) fn check(query: &Query, catalog: &Catalog, dialect: Dialect) -> Result<(), ValidationError> {
    let mut wall = Wall { catalog, dialect, scopes: Vec::new() };
    match query.visit(&mut wall) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(e) => Err(e),
    }
}

/// The CTEs one query defines, and how many of them are visible at the current point of the walk.
struct Scope {
    /// CTE names (lower case) and their bodies, in order.
    ctes: Vec<(String, *const Query)>,
    /// CTEs `0..visible` may be read: while the walk is inside CTE `i`'s body, `visible == i`.
    visible: usize,
}

struct Wall<'c> {
    catalog: &'c Catalog,
    dialect: Dialect,
    scopes: Vec<Scope>,
}

impl Visitor for Wall<'_> {
    type Break = ValidationError;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<ValidationError> {
        if let Some((scope, i)) = self.cte_body(query) {
            self.scopes[scope].visible = i;
        }
        brk(clauses::query(query))?;
        let ctes = query.with.iter().flat_map(|w| &w.cte_tables);
        let ctes = ctes.map(|c| (c.alias.name.value.to_ascii_lowercase(), &*c.query as *const Query)).collect();
        self.scopes.push(Scope { ctes, visible: 0 });
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<ValidationError> {
        if let Some(scope) = self.scopes.last_mut() {
            scope.visible = scope.ctes.len();
        }
        self.scopes.pop();
        if let Some((scope, i)) = self.cte_body(query) {
            self.scopes[scope].visible = i + 1;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<ValidationError> {
        brk(clauses::select(select, self.dialect))
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<ValidationError> {
        brk(clauses::table_factor(factor))?;
        if let TableFactor::Table { name, .. } = factor {
            brk(self.relation(&name.0))?;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<ValidationError> {
        brk(exprs::expr(expr, self.dialect))
    }

    fn pre_visit_order_by_expr(&mut self, order_by: &OrderByExpr) -> ControlFlow<ValidationError> {
        brk(clauses::order_by_expr(order_by))
    }
}

impl Wall<'_> {
    /// The scope whose CTE `i` has `query` as its body, if any (only the innermost open scope can own it).
    fn cte_body(&self, query: &Query) -> Option<(usize, usize)> {
        let scope = self.scopes.len().checked_sub(1)?;
        let i = self.scopes[scope].ctes.iter().position(|(_, body)| std::ptr::eq(*body, query))?;
        Some((scope, i))
    }

    /// A table name must be one plain identifier naming a visible CTE or a catalog table.
    fn relation(&self, parts: &[ObjectNamePart]) -> Result<(), ValidationError> {
        let shown = parts.iter().map(ToString::to_string).collect::<Vec<_>>().join(".");
        let ident = match parts {
            [ObjectNamePart::Identifier(ident)] if matches!(ident.quote_style, None | Some('"')) => ident,
            _ => return Err(not_a_table_name(&shown, &self.available())),
        };
        if !is_plain_identifier(&ident.value) {
            return Err(not_a_table_name(&shown, &self.available()));
        }
        let name = ident.value.to_ascii_lowercase();
        let is_cte = self.scopes.iter().any(|s| s.ctes[..s.visible].iter().any(|(n, _)| *n == name));
        if is_cte || self.catalog.table(&name).is_some() {
            return Ok(());
        }
        Err(ValidationError::UnknownTable { table: shown, available: self.available() })
    }

    /// Catalog tables and the CTEs visible here, comma-separated.
    fn available(&self) -> String {
        let mut names: Vec<String> = self.catalog.tables.iter().map(|t| t.name.clone()).collect();
        for scope in &self.scopes {
            names.extend(scope.ctes[..scope.visible].iter().map(|(n, _)| n.clone()));
        }
        names.join(", ")
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: no dots, slashes, spaces or other characters an engine could read as a path.
pub(super) fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn not_a_table_name(shown: &str, available: &str) -> ValidationError {
    ValidationError::NotAllowed(format!(
        "{shown} is not a table name; read only the catalog tables or CTEs defined in this query ({available}), named \
         by a plain identifier without quotes, dots or a schema"
    ))
}

/// Turns a check's result into the visitor's control flow.
fn brk(result: Result<(), ValidationError>) -> ControlFlow<ValidationError> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    }
}
