//! The answer's shape: whether a question asks for one total ("how many …?", "몇 건이야?") and whether an
//! entry's SQL returns one, so a total is never answered by a verified listing or breakdown.

use std::sync::LazyLock;

use regex::Regex;
use sqlparser::ast::{Expr, FunctionArguments, GroupByExpr, SelectItem, SetExpr, Statement};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::text::compose_hangul;

/// Words that ask for an amount: "how many", "how much", "number of", "몇 건", "얼마나", "총".
static TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bhow\s+(many|much)\b|\bnumber\s+of\b|\bcount\s+of\b|\btotal\b|몇\s*(번|건|개|명|회|곳|차례)|몇\s*$|몇\s*[?？]|얼마나|총\s*\S*(량|수|건)")
        .expect("pattern compiles")
});

/// Words that ask for rows or a breakdown beside the amount: "per", "by", "which", "top", "별", "누가", "가장".
static BREAKDOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(per|by|each|which|who|whom|where|top|most|list|show)\b|별|마다|누가|누구|어느|어떤|가장|제일|상위|순위|목록|보여")
        .expect("pattern compiles")
});

/// Whether `question` asks for one total (an amount with no breakdown, list or ranking asked beside it).
pub fn asks_for_total(question: &str) -> bool {
    let text = compose_hangul(question);
    TOTAL.is_match(&text) && !BREAKDOWN.is_match(&text)
}

/// Whether `sql` answers with totals: its outer SELECT aggregates with at most one grouping column (a count, or a
/// count split by status), not a listing or a many-column breakdown.
pub fn returns_total(sql: &str) -> bool {
    let Ok(statements) = Parser::parse_sql(&GenericDialect {}, sql) else { return false };
    let [Statement::Query(query)] = statements.as_slice() else { return false };
    let SetExpr::Select(select) = query.body.as_ref() else { return false };
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(exprs, _) => exprs.len() > 1,
    };
    !grouped
        && select.projection.iter().any(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => is_aggregate(e),
            _ => false,
        })
}

fn is_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            let aggregate = matches!(
                name.as_str(),
                "count" | "sum" | "avg" | "min" | "max" | "approx_distinct" | "count_if" | "bool_or" | "bool_and"
            );
            aggregate
                || match &f.args {
                    FunctionArguments::List(list) => list.args.iter().any(|a| match a {
                        sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                            is_aggregate(e)
                        }
                        _ => false,
                    }),
                    _ => false,
                }
        }
        Expr::BinaryOp { left, right, .. } => is_aggregate(left) || is_aggregate(right),
        Expr::Nested(e) | Expr::Cast { expr: e, .. } => is_aggregate(e),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_amounts_asked_without_a_breakdown() {
        for q in [
            "How much rejected traffic was there in the last 7 days?",
            "How many AccessDenied errors were there?",
            "어제 로그인 시도 몇 번 있었어?",
            "그 중 실패한 건 몇 건이야?",
            "몇 건이야?",
            "차단된 트래픽이 얼마나 돼?",
        ] {
            assert!(asks_for_total(q), "{q}");
        }
        for q in [
            "Show rejected traffic in VPC Flow Logs",
            "How many calls did each user make?",
            "Which IPs had the most denied flows, and how many?",
            "계정별로 실패한 호출 몇 건이야?",
            "누가 몇 번 로그인했어?",
            "몇 시에 로그인했어?",
        ] {
            assert!(!asks_for_total(q), "{q}");
        }
    }

    #[test]
    fn an_ungrouped_aggregate_is_a_total_and_a_grouped_one_or_a_listing_is_not() {
        assert!(returns_total("SELECT count(*) AS n FROM vpcflow WHERE action = 'Denied'"));
        assert!(returns_total("SELECT sum(bytes) / 1e9 AS gb, count(*) AS flows FROM vpcflow"));
        assert!(!returns_total(
            "SELECT src_ip, dst_ip, count(*) AS flows FROM vpcflow WHERE action = 'Denied' GROUP BY src_ip, dst_ip"
        ));
        assert!(!returns_total("SELECT event_time, src_ip FROM vpcflow WHERE action = 'Denied'"));
        assert!(returns_total("SELECT status, count(*) AS attempts FROM cloudtrail GROUP BY status"));
        assert!(!returns_total("not sql"));
    }

    #[tokio::test]
    async fn a_total_is_not_short_circuited_to_a_verified_listing() {
        use chrono::TimeZone;

        use crate::library::{HybridRetriever, Library, Retriever};

        let r = HybridRetriever::new(Library::embedded().unwrap(), 0.82, 3);
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 6, 0, 0).unwrap();
        let tz = chrono_tz::Asia::Seoul;
        let listing = r.retrieve("Show rejected (denied) network traffic in VPC Flow Logs", now, tz).await;
        assert_eq!(listing.verified.map(|v| v.id).as_deref(), Some("vpcflow-rejected-traffic"));
        let total = r.retrieve("How much rejected traffic was there in the last 7 days?", now, tz).await;
        assert_eq!(total.verified, None, "a count asked for, a per-flow listing verified");
        assert_eq!(total.examples.first().map(|e| e.id.as_str()), Some("vpcflow-rejected-traffic"), "still an example");
    }
}
