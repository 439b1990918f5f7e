//! Validation before any execution: one read-only query over catalog tables and columns, with a LIMIT cap.
//!
//! The SQL is parsed with sqlparser's generic dialect (fail closed: what does not parse is refused) and must be
//! exactly one query. Then two passes:
//! - [`safety`], the wall: one visitor over the whole tree refusing, by allow-list, every construct, relation and
//!   function the bound engine's dialect does not allow ([`allow`] holds the functions);
//! - [`resolve`]: every column reference exists where it points (Athena: no select-list aliases in GROUP BY/HAVING).
//!
//! A `LIMIT` is added, or lowered to the row limit. The result carries the normalised logical SQL and the
//! executable SQL with the binding's CTEs prepended; the rewritten query passes the wall again before it is used.

mod allow;
mod bounds;
#[cfg(test)]
mod bounds_tests;
mod collect;
mod dialect;
#[cfg(test)]
mod hostile_props;
mod resolve;
mod safety;
#[cfg(test)]
mod safety_tests;
mod suggest;
#[cfg(test)]
mod tests;

use sqlparser::ast::{Expr, LimitClause, Offset, OffsetRows, Query, Statement, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use std::collections::BTreeMap;

use crate::catalog::{Binding, Catalog, Pushdown};
use crate::engines::{Dialect, Lookback};

/// SQL that passed validation, rewritten for its binding. Only this module can make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedSql {
    logical: String,
    executable: String,
    tables: Vec<String>,
    limit: u64,
    unbounded: Vec<String>,
    pushdowns: BTreeMap<String, Pushdown>,
    lookback: Option<Lookback>,
}

impl ValidatedSql {
    /// The SQL over logical tables, as shown to the asker.
    pub fn logical(&self) -> &str {
        &self.logical
    }
    /// The SQL with CTEs for the bound source, as sent to the engine.
    pub fn executable(&self) -> &str {
        &self.executable
    }
    /// Logical tables the query reads.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }
    /// Effective row limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }
    /// Partitioned tables the query puts no `event_time` bound on: the engine reads all their days.
    pub fn unbounded_tables(&self) -> &[String] {
        &self.unbounded
    }
    /// Per table read, what every use of it restricts it to (pushed into the binding's CTE).
    pub fn pushdowns(&self) -> &BTreeMap<String, Pushdown> {
        &self.pushdowns
    }
    /// The look-back that held a table the query did not bound from below, if it held any.
    pub fn lookback(&self) -> Option<Lookback> {
        self.lookback
    }
}

/// Why SQL was refused before reaching an engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// Not parseable.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// Anything but exactly one read-only query.
    #[error("only one read-only SELECT query is allowed: {0}")]
    NotReadOnly(String),
    /// A table that is not in the catalog.
    #[error("unknown table {table}; available tables: {available}")]
    UnknownTable {
        /// Name used.
        table: String,
        /// Catalog tables.
        available: String,
    },
    /// A column that is not in the catalog table.
    #[error("unknown column {column} in {table}; closest columns: {suggestions}")]
    UnknownColumn {
        /// Table searched.
        table: String,
        /// Name used.
        column: String,
        /// Nearest catalog columns.
        suggestions: String,
    },
    /// A construct, relation or function outside the bound engine's allow-list; the message says what to write.
    #[error("not allowed: {0}")]
    NotAllowed(String),
}

/// The SQL dialect the engine behind `binding` speaks: Trino on Athena, DuckDB otherwise.
pub fn dialect_of(binding: &Binding) -> Dialect {
    match binding {
        Binding::AthenaSecurityLake { .. } => Dialect::Trino,
        Binding::DuckDbSampleLake | Binding::DuckDbCloudTrailFiles { .. } => Dialect::DuckDb,
    }
}

/// Validates `sql` (written over logical tables) and rewrites it for `binding`, with a LIMIT of at most `row_limit`.
pub fn validate(
    sql: &str,
    catalog: &Catalog,
    binding: &Binding,
    row_limit: u64,
) -> Result<ValidatedSql, ValidationError> {
    validate_within(sql, catalog, binding, row_limit, None)
}

/// [`validate`], and every time-partitioned table the query puts no lower `event_time` bound on is read only
/// from `lookback` on: the bound becomes the table's partition predicate in the binding's CTE, so each use of
/// the table sees only those days.
pub fn validate_within(
    sql: &str,
    catalog: &Catalog,
    binding: &Binding,
    row_limit: u64,
    lookback: Option<Lookback>,
) -> Result<ValidatedSql, ValidationError> {
    let mut query = parse_one_query(sql)?;
    let dialect = dialect_of(binding);
    safety::check(&query, catalog, dialect)?;
    let view = binding.column_view(catalog);
    let mut resolver = resolve::Resolver::new(&view, dialect);
    let resolved = resolver.query(&query);
    let tables: Vec<String> =
        catalog.tables.iter().filter(|t| resolver.used.contains(&t.name)).map(|t| t.name.clone()).collect();
    for name in &tables {
        let table = catalog.table(name).expect("resolved tables come from the catalog");
        if !binding.provides(table) {
            return Err(ValidationError::UnknownTable {
                table: format!("{name} (not available over {})", binding.describe()),
                available: binding.available_tables(catalog),
            });
        }
    }
    resolved.map_err(|e| unavailable_column(e, catalog, binding, &tables))?;
    let mut pushdowns = bounds::derive(&query, catalog);
    let held = lookback.filter(|l| !binding.hold_to(catalog, &tables, &mut pushdowns, l.from).is_empty());
    let unbounded = match binding {
        Binding::AthenaSecurityLake { .. } => {
            let open = |t: &&String| pushdowns.get(*t).is_none_or(|p| p.from.is_none() && p.until.is_none());
            tables.iter().filter(open).cloned().collect()
        }
        _ => Vec::new(),
    };
    let limit = apply_limit(&mut query, row_limit);
    let logical = query.to_string();
    if dialect == Dialect::DuckDb {
        dialect::rewrite_for_duckdb(&mut query);
    }
    safety::check(&query, catalog, dialect)?;
    let (recursive, user_ctes) = match query.with.take() {
        Some(with) => (with.recursive, with.cte_tables.iter().map(ToString::to_string).collect()),
        None => (false, Vec::new()),
    };
    let executable =
        binding.with_ctes(catalog, &tables, &pushdowns, recursive, &user_ctes, &query.to_string()).map_err(|e| {
            ValidationError::UnknownTable { table: e.to_string(), available: binding.available_tables(catalog) }
        })?;
    if !unbounded.is_empty() {
        tracing::warn!(tables = ?unbounded, "query has no event_time bound; every partition of these tables is read");
    }
    Ok(ValidatedSql { logical, executable, tables, limit, unbounded, pushdowns, lookback: held })
}

/// An unknown column that the catalog has but the binding cannot provide, said as such (with what it has).
fn unavailable_column(
    err: ValidationError,
    catalog: &Catalog,
    binding: &Binding,
    tables: &[String],
) -> ValidationError {
    let ValidationError::UnknownColumn { column, .. } = &err else { return err };
    let name = column.rsplit('.').next().unwrap_or(column);
    tables
        .iter()
        .find_map(|t| binding.column_error(catalog, t, name))
        .map_or(err, |e| ValidationError::NotAllowed(e.to_string()))
}

fn parse_one_query(sql: &str) -> Result<Box<Query>, ValidationError> {
    if sql.trim().is_empty() {
        return Err(ValidationError::Syntax("the SQL is empty; write one SELECT query".into()));
    }
    let mut statements =
        Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| ValidationError::Syntax(e.to_string()))?;
    match statements.len() {
        1 => {}
        0 => return Err(ValidationError::Syntax("the SQL is empty; write one SELECT query".into())),
        n => {
            return Err(ValidationError::NotReadOnly(format!(
                "found {n} statements; send exactly one SELECT without a second statement after ';'"
            )));
        }
    }
    match statements.remove(0) {
        Statement::Query(q) => Ok(q),
        other => Err(ValidationError::NotReadOnly(format!(
            "{} statements are not allowed; write one SELECT query",
            statement_kind(&other)
        ))),
    }
}

/// The first keywords of a statement (`INSERT`, `DROP TABLE`, `COPY`), for messages.
fn statement_kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    let kind = match words.as_slice() {
        [first, second] if matches!(first.to_ascii_uppercase().as_str(), "CREATE" | "DROP" | "ALTER" | "EXPLAIN") => {
            format!("{first} {second}")
        }
        [first, ..] => (*first).to_owned(),
        [] => "empty".to_owned(),
    };
    kind.to_ascii_uppercase()
}

/// Sets the top-level LIMIT to at most `cap`; returns the effective limit.
fn apply_limit(query: &mut Query, cap: u64) -> u64 {
    let existing = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit: Some(e), .. }) => number(e),
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => number(limit),
        _ => None,
    };
    let fetched = query.fetch.as_ref().filter(|f| !f.percent).and_then(|f| f.quantity.as_ref()).and_then(number);
    let effective = [existing, fetched, Some(cap)].into_iter().flatten().min().unwrap_or(cap);
    query.fetch = None;
    let limit = Some(Expr::value(Value::Number(effective.to_string(), false)));
    query.limit_clause = Some(match query.limit_clause.take() {
        Some(LimitClause::LimitOffset { offset, limit_by, .. }) => LimitClause::LimitOffset { limit, offset, limit_by },
        Some(LimitClause::OffsetCommaLimit { offset, .. }) => LimitClause::LimitOffset {
            limit,
            offset: Some(Offset { value: offset, rows: OffsetRows::None }),
            limit_by: Vec::new(),
        },
        None => LimitClause::LimitOffset { limit, offset: None, limit_by: Vec::new() },
    });
    effective
}

fn number(e: &Expr) -> Option<u64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}
