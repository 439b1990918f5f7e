//! Allowed shapes of queries, SELECTs, set operations, relations and joins; anything else is refused.

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, Join, JoinConstraint, JoinOperator, LimitClause, OrderByExpr, OrderByKind, Query,
    Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier,
    TableFactor, TableWithJoins, Visit, Visitor, WildcardAdditionalOptions,
};

use super::super::ValidationError;
use crate::engines::Dialect;

fn refuse(message: impl Into<String>) -> Result<(), ValidationError> {
    Err(ValidationError::NotAllowed(message.into()))
}

/// A query: plain `WITH`, an allowed body, and no clause beyond ORDER BY / LIMIT / OFFSET / FETCH.
pub(super) fn query(q: &Query) -> Result<(), ValidationError> {
    if let Some(with) = &q.with {
        if with.recursive {
            return refuse(
                "WITH RECURSIVE; write a plain WITH whose CTEs read the catalog tables or earlier CTEs of the same WITH",
            );
        }
        for cte in &with.cte_tables {
            let name = &cte.alias.name.value;
            if !super::is_plain_identifier(name) || !matches!(cte.alias.name.quote_style, None | Some('"')) {
                return refuse(format!(
                    "the CTE name {}; name CTEs with plain identifiers like recent_logins",
                    cte.alias
                ));
            }
            if cte.from.is_some()
                || cte.materialized.is_some()
                || cte.alias.columns.iter().any(|c| c.data_type.is_some())
            {
                return refuse(format!("the CTE options of {}; write `name AS (SELECT …)`", cte.alias.name));
            }
        }
    }
    set_expr(&q.body)?;
    if let Some(order_by) = &q.order_by
        && (order_by.interpolate.is_some() || matches!(order_by.kind, OrderByKind::All(_)))
    {
        return refuse("ORDER BY ALL or INTERPOLATE; list the ORDER BY expressions or their positions");
    }
    if let Some(LimitClause::LimitOffset { limit_by, .. }) = &q.limit_clause
        && !limit_by.is_empty()
    {
        return refuse("LIMIT … BY; use row_number() OVER (PARTITION BY …) in a subquery and filter on it");
    }
    if !q.locks.is_empty()
        || q.for_clause.is_some()
        || q.settings.is_some()
        || q.format_clause.is_some()
        || !q.pipe_operators.is_empty()
    {
        return refuse("locking, FOR, SETTINGS, FORMAT and pipe clauses; end the query with ORDER BY and LIMIT");
    }
    Ok(())
}

/// SELECT, a parenthesised query, UNION / INTERSECT / EXCEPT [ALL | DISTINCT], or VALUES.
fn set_expr(body: &SetExpr) -> Result<(), ValidationError> {
    match body {
        SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) => Ok(()),
        SetExpr::SetOperation { op, set_quantifier, left, right } => {
            let op_ok = matches!(op, SetOperator::Union | SetOperator::Intersect | SetOperator::Except);
            let quantifier_ok =
                matches!(set_quantifier, SetQuantifier::All | SetQuantifier::Distinct | SetQuantifier::None);
            if !op_ok || !quantifier_ok {
                return refuse(format!("{op} {set_quantifier}; use UNION, UNION ALL, INTERSECT or EXCEPT"));
            }
            set_expr(left)?;
            set_expr(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            Err(ValidationError::NotReadOnly("data-modifying statements inside a query are not allowed".into()))
        }
        SetExpr::Table(_) => refuse("`TABLE <name>`; write SELECT * FROM <table>"),
    }
}

/// A SELECT: standard clauses only, wildcards without options, joins with conditions; QUALIFY not on Athena.
pub(super) fn select(sel: &Select, dialect: Dialect) -> Result<(), ValidationError> {
    if sel.into.is_some() {
        return Err(ValidationError::NotReadOnly("SELECT … INTO writes a table and is not allowed".into()));
    }
    let extra = !sel.optimizer_hints.is_empty()
        || sel.select_modifiers.is_some()
        || sel.top.is_some()
        || sel.exclude.is_some()
        || !sel.lateral_views.is_empty()
        || sel.prewhere.is_some()
        || !sel.connect_by.is_empty()
        || !sel.cluster_by.is_empty()
        || !sel.distribute_by.is_empty()
        || !sel.sort_by.is_empty()
        || sel.value_table_mode.is_some()
        || !matches!(sel.flavor, SelectFlavor::Standard);
    if extra {
        return refuse(
            "this SELECT form (TOP, EXCLUDE, LATERAL VIEW, PREWHERE, CONNECT BY, SORT BY, FROM-first, hints); write \
             SELECT … FROM … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT",
        );
    }
    if let Some(Distinct::On(_)) = &sel.distinct {
        return refuse("DISTINCT ON; use row_number() OVER (PARTITION BY …) in a subquery and keep rows where it is 1");
    }
    match &sel.group_by {
        GroupByExpr::All(_) => return refuse("GROUP BY ALL; list the grouping expressions or their positions"),
        GroupByExpr::Expressions(_, modifiers) if !modifiers.is_empty() => {
            return refuse("GROUP BY … WITH ROLLUP/CUBE/TOTALS; use GROUP BY ROLLUP (…) or GROUPING SETS (…)");
        }
        GroupByExpr::Expressions(..) => {}
    }
    if sel.qualify.is_some() && dialect == Dialect::Trino {
        return refuse(
            "QUALIFY (Athena has none); compute the window function in a subquery and filter on it in the outer WHERE",
        );
    }
    sel.projection.iter().try_for_each(select_item)?;
    sel.from.iter().try_for_each(joins)?;
    if let Some(extra) = sel.from.iter().skip(1).find(|t| !is_unnest(&t.relation)) {
        return refuse(format!(
            "the comma join with {}; join tables with JOIN … ON <condition linking them> (only UNNEST may follow a comma)",
            extra.relation
        ));
    }
    Ok(())
}

fn select_item(item: &SelectItem) -> Result<(), ValidationError> {
    match item {
        SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. } => Ok(()),
        SelectItem::Wildcard(options)
        | SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(_), options) => {
            wildcard_options(options)
        }
        other => refuse(format!("the select item {other}; select columns or expressions with AS aliases")),
    }
}

/// `*` and `t.*` stand alone: no REPLACE, EXCLUDE, EXCEPT, RENAME, ILIKE or alias attached.
fn wildcard_options(options: &WildcardAdditionalOptions) -> Result<(), ValidationError> {
    let WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    if opt_ilike.is_some()
        || opt_exclude.is_some()
        || opt_except.is_some()
        || opt_replace.is_some()
        || opt_rename.is_some()
        || opt_alias.is_some()
    {
        return refuse(
            "wildcard options (SELECT * REPLACE, EXCLUDE, EXCEPT, RENAME or ILIKE; Athena has none); list the columns \
             you want and write any changed one as `<expression> AS <name>`",
        );
    }
    Ok(())
}

/// Joins need a condition linking the sides; only UNNEST may be cross-joined.
fn joins(twj: &TableWithJoins) -> Result<(), ValidationError> {
    twj.joins.iter().try_for_each(join)
}

fn join(j: &Join) -> Result<(), ValidationError> {
    let unnest = is_unnest(&j.relation);
    let constraint = match &j.join_operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => c,
        JoinOperator::CrossJoin(_) if unnest => return Ok(()),
        JoinOperator::CrossJoin(_) => {
            return refuse(format!(
                "CROSS JOIN {} (a cartesian product); join with JOIN … ON <condition linking both sides>, or compare \
                 with one aggregated value through a scalar subquery; only CROSS JOIN UNNEST(…) is allowed",
                j.relation
            ));
        }
        _ => return refuse("this join kind; use JOIN, LEFT JOIN, RIGHT JOIN or FULL JOIN … ON, or CROSS JOIN UNNEST"),
    };
    if j.global {
        return refuse("GLOBAL joins; use JOIN … ON");
    }
    let missing = match constraint {
        JoinConstraint::On(condition) => !references_a_column(condition),
        JoinConstraint::Using(_) => false,
        JoinConstraint::Natural | JoinConstraint::None => true,
    };
    if missing && !unnest {
        return refuse(format!(
            "a join with {} without a condition linking both sides (a cartesian product); write JOIN … ON \
             a.<column> = b.<column>",
            j.relation
        ));
    }
    Ok(())
}

fn is_unnest(factor: &TableFactor) -> bool {
    matches!(factor, TableFactor::UNNEST { .. })
}

/// Whether an expression names any column (a constant condition such as `ON true` or `ON 1 = 1` does not).
fn references_a_column(e: &Expr) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> std::ops::ControlFlow<()> {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => std::ops::ControlFlow::Break(()),
                _ => std::ops::ControlFlow::Continue(()),
            }
        }
    }
    e.visit(&mut Finder).is_break()
}

/// Relations: a named table (no arguments, hints, time travel or sampling), a derived table, UNNEST, or joins in
/// parentheses. The table's name is checked against the scope by the caller.
pub(super) fn table_factor(factor: &TableFactor) -> Result<(), ValidationError> {
    match factor {
        TableFactor::Table {
            name: _,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_hints,
        } => {
            if args.is_some() {
                return refuse(format!(
                    "the table function {factor}; read only the catalog tables with SELECT … FROM <table>"
                ));
            }
            let plain = with_hints.is_empty()
                && version.is_none()
                && !with_ordinality
                && partitions.is_empty()
                && json_path.is_none()
                && sample.is_none()
                && index_hints.is_empty()
                && alias.as_ref().is_none_or(|a| a.at.is_none());
            if !plain {
                return refuse(format!("the table options in {factor}; write FROM <table> [AS alias]"));
            }
            Ok(())
        }
        TableFactor::Derived { sample: None, .. } | TableFactor::NestedJoin { .. } => {
            if let TableFactor::NestedJoin { table_with_joins, .. } = factor {
                joins(table_with_joins)?;
            }
            Ok(())
        }
        TableFactor::UNNEST { with_offset: false, .. } => Ok(()),
        other => refuse(format!(
            "{} in FROM; read the catalog tables, CTEs, subqueries or UNNEST(<array column>) only",
            first_words(&other.to_string())
        )),
    }
}

/// ORDER BY items (in queries, windows and aggregates) without WITH FILL.
pub(super) fn order_by_expr(o: &OrderByExpr) -> Result<(), ValidationError> {
    if o.with_fill.is_some() {
        return refuse("ORDER BY … WITH FILL; order by columns or positions");
    }
    Ok(())
}

/// The first words of a construct, for messages.
pub(super) fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let joined = words.join(" ");
    if joined.chars().count() > 60 { format!("{}…", joined.chars().take(60).collect::<String>()) } else { joined }
}
