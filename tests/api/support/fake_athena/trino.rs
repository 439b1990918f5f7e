//! What Trino (Athena engine v3) refuses and DuckDB accepts, refused before the fake runs a query on DuckDB,
//! with the error codes and message shapes Athena reports.
//!
//! - DuckDB-only syntax: `QUALIFY`, `* EXCLUDE/REPLACE/RENAME`, `::` casts → `SYNTAX_ERROR … mismatched input`.
//! - A call to a function Trino does not have (`scripts/trino_functions.txt` is the allow-list) →
//!   `FUNCTION_NOT_FOUND … Function 'x' not registered`.
//! - A select-list alias used in GROUP BY or HAVING (Trino resolves those against the FROM relations only) →
//!   `COLUMN_NOT_FOUND … Column 'x' cannot be resolved or requester is not authorized to access requested
//!   resources`, unless the FROM relations have a column of that name.
//!
//! Table functions in FROM (`range(2500)`) are not checked; tests use them to make rows.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use duckdb::Connection;
use sqlparser::ast::{Expr, GroupByExpr, Ident, Query, Select, SelectItem, SetExpr, Visit, Visitor, visit_expressions};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::AthenaFailure;

/// Trino's function names (lower case), from the list the CI check shares.
static FUNCTIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../../scripts/trino_functions.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// What Trino expects after a select list; the tail of Trino's "Expecting:" list for such a token.
const AFTER_SELECT_LIST: &str = "',', 'EXCEPT', 'FETCH', 'FROM', 'GROUP', 'HAVING', 'INTERSECT', 'LIMIT', 'OFFSET', 'ORDER', 'UNION', 'WHERE', 'WINDOW', <EOF>";

/// The failure Trino would report for `sql`, or `None` when Trino would accept what the fake checks.
pub(super) fn refuse(sql: &str, conn: &Connection) -> Option<AthenaFailure> {
    duckdb_only_syntax(sql).or_else(|| semantics(sql, conn))
}

fn syntax_error(line: u64, column: u64, token: &str) -> AthenaFailure {
    AthenaFailure::user(
        format!("SYNTAX_ERROR: line {line}:{column}: mismatched input '{token}'. Expecting: {AFTER_SELECT_LIST}"),
        1006,
    )
}

fn duckdb_only_syntax(sql: &str) -> Option<AthenaFailure> {
    let tokens = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location().ok()?;
    let mut previous: Option<&Token> = None;
    for t in tokens.iter().filter(|t| !matches!(t.token, Token::Whitespace(_))) {
        let at = t.span.start;
        let refused = match &t.token {
            Token::DoubleColon => true,
            Token::Word(w) if w.keyword == Keyword::QUALIFY => true,
            Token::Word(w) => {
                matches!(w.keyword, Keyword::EXCLUDE | Keyword::REPLACE | Keyword::RENAME)
                    && matches!(previous, Some(Token::Mul))
            }
            _ => false,
        };
        if refused {
            return Some(syntax_error(at.line, at.column, &t.token.to_string()));
        }
        previous = Some(&t.token);
    }
    None
}

fn semantics(sql: &str, conn: &Connection) -> Option<AthenaFailure> {
    let statements = Parser::parse_sql(&GenericDialect {}, sql).ok()?;
    let statement = statements.first()?;
    let unknown_function = visit_expressions(statement, |e| match e {
        Expr::Function(f) => {
            let Some(ident) = f.name.0.last().and_then(|p| p.as_ident()) else { return ControlFlow::Continue(()) };
            if FUNCTIONS.contains(ident.value.to_ascii_lowercase().as_str()) {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(function_not_found(ident))
            }
        }
        _ => ControlFlow::Continue(()),
    });
    if let ControlFlow::Break(failure) = unknown_function {
        return Some(failure);
    }
    match statement.visit(&mut AliasCheck { conn }) {
        ControlFlow::Break(failure) => Some(failure),
        ControlFlow::Continue(()) => None,
    }
}

fn function_not_found(name: &Ident) -> AthenaFailure {
    let at = name.span.start;
    AthenaFailure::user(
        format!("FUNCTION_NOT_FOUND: line {}:{}: Function '{}' not registered", at.line, at.column, name.value),
        1303,
    )
}

/// Finds a select-list alias used in its own SELECT's GROUP BY or HAVING.
struct AliasCheck<'a> {
    conn: &'a Connection,
}

impl Visitor for AliasCheck<'_> {
    type Break = AthenaFailure;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<AthenaFailure> {
        if let SetExpr::Select(select) = query.body.as_ref()
            && let Some(failure) = alias_in_grouping(query, select, self.conn)
        {
            return ControlFlow::Break(failure);
        }
        ControlFlow::Continue(())
    }
}

fn alias_in_grouping(query: &Query, select: &Select, conn: &Connection) -> Option<AthenaFailure> {
    let aliases: Vec<String> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr: Expr::Identifier(i), alias }
                if i.value.eq_ignore_ascii_case(&alias.value) =>
            {
                None
            }
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    if aliases.is_empty() {
        return None;
    }
    let mut used: Vec<Ident> = Vec::new();
    if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
        used.extend(exprs.iter().filter_map(|e| if let Expr::Identifier(i) = e { Some(i.clone()) } else { None }));
    }
    if let Some(having) = &select.having {
        let _ = visit_expressions(having, |e| {
            if let Expr::Identifier(i) = e {
                used.push(i.clone());
            }
            ControlFlow::<()>::Continue(())
        });
    }
    let hit = used.into_iter().find(|i| aliases.contains(&i.value.to_ascii_lowercase()))?;
    // Trino resolves GROUP BY / HAVING names against the FROM relations: a column of that name there is fine.
    let sources = source_columns(query, select, conn)?;
    if sources.contains(&hit.value.to_ascii_lowercase()) {
        return None;
    }
    Some(AthenaFailure::column_not_found(hit.span.start.line, hit.span.start.column, &hit.value))
}

/// Lower-case column names of the SELECT's FROM relations, with the query's CTEs in scope.
fn source_columns(query: &Query, select: &Select, conn: &Connection) -> Option<HashSet<String>> {
    if select.from.is_empty() {
        return Some(HashSet::new());
    }
    let with = query.with.as_ref().map(|w| format!("{w} ")).unwrap_or_default();
    let from: Vec<String> = select.from.iter().map(ToString::to_string).collect();
    let sql = super::trino_lambdas(&format!("{with}SELECT * FROM {}", from.join(", ")));
    let columns = super::describe(conn, &sql).ok()?;
    Some(columns.into_iter().map(|(name, _)| name.to_ascii_lowercase()).collect())
}
