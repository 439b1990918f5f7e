//! Collects what one expression (or clause) refers to at its own query level: names and subqueries.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{AccessExpr, BinaryOperator, Expr, Ident, OneOrManyWithParens, Query, Visit, Visitor};

/// Names and nested queries found in a clause, not descending into subqueries.
#[derive(Default)]
pub(super) struct Collected {
    /// Column references: one part (`col`) or dotted (`alias.col`, `col.field`).
    pub names: Vec<Vec<Ident>>,
    /// Lambda parameters (`x -> …`), valid as names inside the clause.
    pub lambda_params: Vec<String>,
    /// Subqueries met at this level (validated separately, with this level as their outer scope).
    pub subqueries: Vec<Query>,
}

struct Collector {
    depth: usize,
    skip: HashSet<*const Expr>,
    out: Collected,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            self.out.subqueries.push(query.clone());
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth > 0 || self.skip.contains(&(expr as *const Expr)) {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(ident) => self.out.names.push(vec![ident.clone()]),
            Expr::CompoundIdentifier(parts) => self.out.names.push(parts.clone()),
            Expr::CompoundFieldAccess { access_chain, .. } => {
                // `x[1].field`: the field after a dot is not a column of any table.
                for access in access_chain {
                    if let AccessExpr::Dot(field @ (Expr::Identifier(_) | Expr::CompoundIdentifier(_))) = access {
                        self.skip.insert(field as *const Expr);
                    }
                }
            }
            // `x -> x LIKE …` may parse as a JSON arrow; an arrow to a non-literal is a lambda, its left a parameter.
            Expr::BinaryOp { left, op: BinaryOperator::Arrow, right } if !matches!(right.as_ref(), Expr::Value(_)) => {
                if let Expr::Identifier(param) = left.as_ref() {
                    self.out.lambda_params.push(param.value.to_ascii_lowercase());
                    self.skip.insert(left.as_ref() as *const Expr);
                }
            }
            Expr::Lambda(lambda) => match &lambda.params {
                OneOrManyWithParens::One(p) => self.out.lambda_params.push(p.name.value.to_ascii_lowercase()),
                OneOrManyWithParens::Many(ps) => {
                    self.out.lambda_params.extend(ps.iter().map(|p| p.name.value.to_ascii_lowercase()))
                }
            },
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Collects the references of `node` at its own level.
pub(super) fn collect<V: Visit>(node: &V) -> Collected {
    let mut c = Collector { depth: 0, skip: HashSet::new(), out: Collected::default() };
    let _ = node.visit(&mut c);
    c.out
}
