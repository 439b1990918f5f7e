//! Listings cut by the row limit: the pipeline (not the model) sees that a result filled its LIMIT and counts
//! what the same query matches in total, so the answer says "200 of 540".
//!
//! Choice: a second query, `SELECT count(*) FROM (<the validated logical query without its LIMIT>)`, validated
//! and run like any other, and only when the result hit the limit. A `count(*) OVER ()` column would change the
//! SQL the asker sees and make every listing compute the window; the count costs one more scan of the same data
//! (on Athena the bytes of the listing again, the listing's partitions only), paid on truncated listings alone.

use sqlparser::ast::Statement;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::Language;
use super::execute;
use crate::catalog::Catalog;
use crate::engines::{ExecOptions, QueryResult, SqlEngine, Value};

/// The count query for `logical` (validated SQL over logical tables): the query without LIMIT/FETCH and ORDER BY.
pub fn count_sql(logical: &str) -> Option<String> {
    let mut statements = Parser::parse_sql(&GenericDialect {}, logical).ok()?;
    let Some(Statement::Query(mut query)) = statements.pop() else { return None };
    query.limit_clause = None;
    query.fetch = None;
    query.order_by = None;
    Some(format!("SELECT count(*) AS total FROM ({query}) AS listed"))
}

/// How many rows the listing matches in total, when `result` filled `limit`; `None` when it did not or the count
/// failed (the answer then says nothing about a total rather than guess).
pub async fn total_if_cut(
    engine: &dyn SqlEngine,
    catalog: &Catalog,
    logical: &str,
    limit: u64,
    result: &QueryResult,
    opts: &ExecOptions,
) -> Option<u64> {
    if (result.rows.len() as u64) < limit || limit == 0 {
        return None;
    }
    let sql = count_sql(logical)?;
    match execute::run(engine, catalog, &sql, 1, opts, execute::Origin::Verified).await {
        Ok((_, counted)) => match counted.rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => u64::try_from(*n).ok(),
            Some(Value::Text(t)) => t.parse().ok(),
            _ => None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "could not count the rows of a cut listing");
            None
        }
    }
}

/// The table's caption for a cut listing, "showing 200 of 540 rows", in the asker's language.
pub fn caption(language: Language, shown: usize, total: u64) -> String {
    match language {
        Language::En => format!("showing {shown} of {total} rows"),
        Language::Ko => format!("{total}행 중 {shown}행 표시"),
    }
}

/// "Showing 200 of 540 matching rows." in the asker's language.
pub fn note(language: Language, shown: usize, total: u64) -> String {
    match language {
        Language::En => format!("Showing {shown} of {total} matching rows (the list was cut at the row limit)."),
        Language::Ko => format!("일치하는 {total}건 중 {shown}건을 표시합니다 (행 수 제한으로 잘렸습니다)."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_query_drops_the_limit_and_the_order_of_the_listing() {
        let sql = count_sql(
            "SELECT event_time, actor_arn FROM cloudtrail WHERE status = 'Failure' ORDER BY event_time DESC LIMIT 200",
        )
        .unwrap();
        assert_eq!(
            sql,
            "SELECT count(*) AS total FROM (SELECT event_time, actor_arn FROM cloudtrail WHERE status = 'Failure') AS listed"
        );
        assert_eq!(
            note(Language::En, 200, 540),
            "Showing 200 of 540 matching rows (the list was cut at the row limit)."
        );
        assert!(note(Language::Ko, 200, 540).starts_with("일치하는 540건 중 200건"));
        assert_eq!(caption(Language::En, 200, 540), "showing 200 of 540 rows");
        assert_eq!(caption(Language::Ko, 200, 540), "540행 중 200행 표시");
    }
}
