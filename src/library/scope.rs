//! Account scope for verified queries: "acme-prod에서 …" runs an entry that does not declare `account` with
//! `<table>.account_id = '<id>'` added to every SELECT that reads a logical table with an `account_id` column.
//!
//! One AST visitor over the whole query (CTEs, subqueries, joins, set operations), so entries added later need
//! no edit. It fails closed: SQL that does not parse, a CTE named like a logical table, or a query that reads no
//! such table is refused (the question then falls through to the model or to suggestions).

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Ident, ObjectNamePart, Query, Select, SetExpr, Statement, TableFactor, TableWithJoins,
    VisitMut, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// Why a query could not be scoped to an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// Not one parseable query.
    #[error("the SQL is not one parseable query: {0}")]
    Parse(String),
    /// The id is not 12 digits.
    #[error("{0:?} is not a 12-digit account id")]
    BadAccount(String),
    /// A CTE shadows a logical table, so a bare table name could mean either.
    #[error("a CTE is named like the logical table {0}")]
    Shadowed(String),
    /// Nothing in the query has an `account_id` column to filter on.
    #[error("the query reads no table with an account_id column")]
    NoAccountColumn,
}

/// Adds `account_id = '<account>'` for every read of a table in `tables` (lowercase logical table names that have
/// an `account_id` column) to the WHERE of the SELECT that reads it.
///
/// # Errors
/// See [`ScopeError`].
pub fn scope_to_account(sql: &str, account: &str, tables: &BTreeSet<String>) -> Result<String, ScopeError> {
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScopeError::BadAccount(account.to_owned()));
    }
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| ScopeError::Parse(e.to_string()))?;
    let [Statement::Query(_)] = statements.as_slice() else {
        return Err(ScopeError::Parse("expected exactly one SELECT".into()));
    };
    let mut visitor = Scoper { account, tables, added: 0, shadowed: None };
    let _ = statements[0].visit(&mut visitor);
    if let Some(name) = visitor.shadowed {
        return Err(ScopeError::Shadowed(name));
    }
    if visitor.added == 0 {
        return Err(ScopeError::NoAccountColumn);
    }
    Ok(statements[0].to_string())
}

struct Scoper<'a> {
    account: &'a str,
    tables: &'a BTreeSet<String>,
    added: usize,
    shadowed: Option<String>,
}

impl VisitorMut for Scoper<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with
            && let Some(cte) = with.cte_tables.iter().find(|c| self.tables.contains(&c.alias.name.value.to_lowercase()))
        {
            self.shadowed = Some(cte.alias.name.value.clone());
            return ControlFlow::Break(());
        }
        self.scope_set_expr(&mut query.body);
        ControlFlow::Continue(())
    }
}

impl Scoper<'_> {
    /// Nested `Query` nodes are visited on their own; only this query's own SELECTs are scoped here.
    fn scope_set_expr(&mut self, body: &mut SetExpr) {
        match body {
            SetExpr::Select(select) => self.scope_select(select),
            SetExpr::SetOperation { left, right, .. } => {
                self.scope_set_expr(left);
                self.scope_set_expr(right);
            }
            _ => {}
        }
    }

    fn scope_select(&mut self, select: &mut Select) {
        let mut qualifiers = Vec::new();
        for from in &select.from {
            self.qualifiers(from, &mut qualifiers);
        }
        for qualifier in qualifiers {
            let predicate = Expr::BinaryOp {
                left: Box::new(Expr::CompoundIdentifier(vec![qualifier, Ident::new(crate::catalog::ACCOUNT_ID)])),
                op: BinaryOperator::Eq,
                right: Box::new(Expr::value(sqlparser::ast::Value::SingleQuotedString(self.account.to_owned()))),
            };
            select.selection = Some(match select.selection.take() {
                Some(existing) => Expr::BinaryOp {
                    left: Box::new(Expr::Nested(Box::new(existing))),
                    op: BinaryOperator::And,
                    right: Box::new(predicate),
                },
                None => predicate,
            });
            self.added += 1;
        }
    }

    /// The names by which `from` refers to scoped tables (alias, else the table name).
    fn qualifiers(&self, from: &TableWithJoins, out: &mut Vec<Ident>) {
        for factor in std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation)) {
            match factor {
                TableFactor::Table { name, alias, .. } if name.0.len() == 1 => {
                    let ObjectNamePart::Identifier(ident) = &name.0[0] else { continue };
                    if self.tables.contains(&ident.value.to_lowercase()) {
                        out.push(alias.as_ref().map_or_else(|| ident.clone(), |a| a.name.clone()));
                    }
                }
                TableFactor::NestedJoin { table_with_joins, .. } => self.qualifiers(table_with_joins, out),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> BTreeSet<String> {
        ["cloudtrail".to_string(), "vpcflow".to_string()].into_iter().collect()
    }

    #[test]
    fn every_read_of_a_table_with_account_id_is_filtered_with_its_alias() {
        let sql = "WITH x AS (SELECT actor_arn FROM cloudtrail WHERE event_time > TIMESTAMP '2026-01-01 00:00:00') \
                   SELECT c.actor_arn, count(*) FROM cloudtrail c JOIN x ON x.actor_arn = c.actor_arn \
                   WHERE c.status = 'Failure' OR c.status IS NULL GROUP BY 1 \
                   UNION ALL SELECT 'v', 1 FROM vpcflow";
        let out = scope_to_account(sql, "318205947761", &tables()).unwrap();
        assert_eq!(out.matches("account_id = '318205947761'").count(), 3, "{out}");
        assert!(out.contains("(c.status = 'Failure' OR c.status IS NULL) AND c.account_id = '318205947761'"), "{out}");
        assert!(out.contains("FROM vpcflow WHERE vpcflow.account_id"), "{out}");
    }

    #[test]
    fn it_fails_closed() {
        let t = tables();
        assert_eq!(scope_to_account("SELECT 1", "318205947761", &t), Err(ScopeError::NoAccountColumn));
        assert!(matches!(scope_to_account("SELECT 1; SELECT 2", "318205947761", &t), Err(ScopeError::Parse(_))));
        assert!(matches!(
            scope_to_account("SELECT * FROM cloudtrail", "1' OR '1'='1", &t),
            Err(ScopeError::BadAccount(_))
        ));
        let shadow = "WITH cloudtrail AS (SELECT 1 AS a) SELECT a FROM cloudtrail";
        assert_eq!(scope_to_account(shadow, "318205947761", &t), Err(ScopeError::Shadowed("cloudtrail".into())));
    }
}
