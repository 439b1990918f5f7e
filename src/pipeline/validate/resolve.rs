//! Name resolution: every table is a catalog table or the query's own CTE/derived table/UNNEST, and every
//! column reference exists where it points. On Athena a select-list alias is no name in GROUP BY or HAVING.

use std::collections::BTreeSet;

use sqlparser::ast::{
    Expr, Ident, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableWithJoins,
    Visit,
};

use super::ValidationError;
use super::collect::collect;
use crate::catalog::Catalog;
use crate::engines::Dialect;

/// Columns a relation exposes: known names, or unknown (anything goes).
#[derive(Debug, Clone)]
enum Columns {
    Known(Vec<String>),
    Any,
}

#[derive(Debug, Clone)]
struct Relation {
    /// Name the query refers to it by (alias or table name), lower case; `None` for unaliased subqueries.
    alias: Option<String>,
    /// Catalog table behind it, for messages.
    table: Option<String>,
    columns: Columns,
    /// `alias.anything` is accepted (UNNEST of structs).
    open_qualified: bool,
}

#[derive(Debug, Default)]
struct Frame {
    relations: Vec<Relation>,
    ctes: Vec<(String, Columns)>,
    aliases: Vec<String>,
}

/// Whether a select-list alias may stand for a column in a clause.
#[derive(Debug, Clone, Copy)]
enum Aliases {
    /// No (WHERE, ON, the select list itself).
    Refused,
    /// Yes (ORDER BY; GROUP BY and HAVING on DuckDB).
    Accepted,
    /// No, because Athena (Trino) resolves names in this clause against the input columns only.
    NotOnAthena(&'static str),
}

/// Walks a query with a stack of scopes.
pub(super) struct Resolver<'c> {
    catalog: &'c Catalog,
    dialect: Dialect,
    frames: Vec<Frame>,
    /// Catalog tables read, lower case.
    pub used: BTreeSet<String>,
}

/// Names always accepted where a column may appear (SQL niladic functions some dialects parse as names).
const NILADIC: [&str; 6] = ["current_timestamp", "current_date", "current_time", "localtimestamp", "localtime", "now"];

impl<'c> Resolver<'c> {
    pub(super) fn new(catalog: &'c Catalog, dialect: Dialect) -> Self {
        Self { catalog, dialect, frames: Vec::new(), used: BTreeSet::new() }
    }

    /// Checks a query; returns its output column names (`None` when unknown).
    pub(super) fn query(&mut self, q: &Query) -> Result<Option<Vec<String>>, ValidationError> {
        self.frames.push(Frame::default());
        let result = self.query_in_frame(q);
        self.frames.pop();
        result
    }

    fn query_in_frame(&mut self, q: &Query) -> Result<Option<Vec<String>>, ValidationError> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.to_ascii_lowercase();
                if self.catalog.table(&name).is_some() {
                    return Err(ValidationError::Syntax(format!(
                        "the CTE name {name} is taken by the catalog table {name}; give the CTE another name"
                    )));
                }
                if with.recursive {
                    self.frame().ctes.push((name.clone(), Columns::Any));
                }
                let out = self.query(&cte.query)?;
                let cols = if cte.alias.columns.is_empty() {
                    out.map_or(Columns::Any, Columns::Known)
                } else {
                    Columns::Known(cte.alias.columns.iter().map(|c| c.name.value.to_ascii_lowercase()).collect())
                };
                self.frame().ctes.push((name, cols));
            }
        }
        let out = self.set_expr(&q.body, Some(q))?;
        if !matches!(q.body.as_ref(), SetExpr::Select(_)) {
            // ORDER BY of a set operation names output columns; positions and expressions over them are fine.
            if let Some(order_by) = &q.order_by {
                self.check_subqueries(order_by)?;
            }
        }
        Ok(out)
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame is pushed while resolving")
    }

    fn set_expr(&mut self, s: &SetExpr, owner: Option<&Query>) -> Result<Option<Vec<String>>, ValidationError> {
        match s {
            SetExpr::Select(sel) => self.select(sel, owner),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                let out = self.set_expr(left, None)?;
                self.set_expr(right, None)?;
                Ok(out)
            }
            SetExpr::Values(values) => {
                self.check(values, Aliases::Refused)?;
                Ok(None)
            }
            SetExpr::Table(_) => {
                Err(ValidationError::Syntax("write `SELECT * FROM <table>` instead of `TABLE <table>`".into()))
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                Err(ValidationError::NotReadOnly("data-modifying statements inside a query are not allowed".into()))
            }
        }
    }

    fn select(&mut self, sel: &Select, owner: Option<&Query>) -> Result<Option<Vec<String>>, ValidationError> {
        if sel.into.is_some() {
            return Err(ValidationError::NotReadOnly("SELECT … INTO writes a table and is not allowed".into()));
        }
        self.frames.push(Frame::default());
        let result = self.select_in_frame(sel, owner);
        self.frames.pop();
        result
    }

    fn select_in_frame(&mut self, sel: &Select, owner: Option<&Query>) -> Result<Option<Vec<String>>, ValidationError> {
        for twj in &sel.from {
            self.table_with_joins(twj)?;
        }
        for twj in &sel.from {
            for join in &twj.joins {
                self.check(&join.join_operator, Aliases::Refused)?;
            }
        }
        let out = self.projection(&sel.projection)?;
        let (group_by, having) = match self.dialect {
            Dialect::Trino => (Aliases::NotOnAthena("GROUP BY"), Aliases::NotOnAthena("HAVING")),
            Dialect::DuckDb => (Aliases::Accepted, Aliases::Accepted),
        };
        self.check(&sel.distinct, Aliases::Refused)?;
        self.check(&sel.prewhere, Aliases::Refused)?;
        self.check(&sel.selection, Aliases::Refused)?;
        self.check(&sel.lateral_views, Aliases::Refused)?;
        self.check(&sel.group_by, group_by)?;
        self.check(&sel.having, having)?;
        self.check(&sel.named_window, Aliases::Accepted)?;
        self.check(&sel.qualify, Aliases::Accepted)?;
        self.check(&sel.sort_by, Aliases::Accepted)?;
        if let Some(owner) = owner {
            self.check(&owner.order_by, Aliases::Accepted)?;
            self.check(&owner.limit_clause, Aliases::Refused)?;
        }
        Ok(out)
    }

    fn projection(&mut self, items: &[SelectItem]) -> Result<Option<Vec<String>>, ValidationError> {
        let mut out = Some(Vec::new());
        for item in items {
            let names: Option<Vec<String>> = match item {
                SelectItem::UnnamedExpr(e) => {
                    self.check(e, Aliases::Refused)?;
                    Some(vec![output_name(e)])
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.check(expr, Aliases::Refused)?;
                    let a = alias.value.to_ascii_lowercase();
                    self.frame().aliases.push(a.clone());
                    Some(vec![a])
                }
                SelectItem::ExprWithAliases { expr, aliases } => {
                    self.check(expr, Aliases::Refused)?;
                    let names: Vec<String> = aliases.iter().map(|a| a.value.to_ascii_lowercase()).collect();
                    self.frame().aliases.extend(names.clone());
                    Some(names)
                }
                SelectItem::Wildcard(_) => self.wildcard(None)?,
                SelectItem::QualifiedWildcard(kind, _) => match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        let alias = name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_ascii_lowercase());
                        self.wildcard(alias.as_deref())?
                    }
                    SelectItemQualifiedWildcardKind::Expr(e) => {
                        self.check(e, Aliases::Refused)?;
                        None
                    }
                },
            };
            out = match (out, names) {
                (Some(mut acc), Some(n)) => {
                    acc.extend(n);
                    Some(acc)
                }
                _ => None,
            };
        }
        Ok(out)
    }

    fn wildcard(&mut self, alias: Option<&str>) -> Result<Option<Vec<String>>, ValidationError> {
        let frame = self.frames.last().expect("frame");
        let mut out = Vec::new();
        for rel in &frame.relations {
            if alias.is_some() && rel.alias.as_deref() != alias {
                continue;
            }
            match &rel.columns {
                Columns::Known(c) => out.extend(c.iter().cloned()),
                Columns::Any => return Ok(None),
            }
        }
        if let Some(a) = alias
            && !frame.relations.iter().any(|r| r.alias.as_deref() == Some(a))
        {
            return Err(self.unknown_table(a));
        }
        Ok(Some(out))
    }

    fn table_with_joins(&mut self, twj: &TableWithJoins) -> Result<(), ValidationError> {
        self.table_factor(&twj.relation)?;
        for join in &twj.joins {
            self.table_factor(&join.relation)?;
        }
        Ok(())
    }

    fn table_factor(&mut self, tf: &TableFactor) -> Result<(), ValidationError> {
        let relation = match tf {
            TableFactor::Table { name, alias, args, .. } => {
                let shown = name.to_string();
                if args.is_some() {
                    return Err(forbidden_table_function(&shown));
                }
                let [part] = name.0.as_slice() else { return Err(self.unknown_table(&shown)) };
                let Some(ident) = part.as_ident() else { return Err(self.unknown_table(&shown)) };
                let table = ident.value.to_ascii_lowercase();
                let (columns, catalog_table) = match self.cte_columns(&table) {
                    Some(cols) => (cols, None),
                    None => match self.catalog.table(&table) {
                        Some(t) => {
                            self.used.insert(t.name.clone());
                            (Columns::Known(t.columns.iter().map(|c| c.name.clone()).collect()), Some(t.name.clone()))
                        }
                        None => return Err(self.unknown_table(&shown)),
                    },
                };
                let columns = renamed(alias.as_ref(), columns);
                let alias = alias.as_ref().map(|a| a.name.value.to_ascii_lowercase()).unwrap_or(table);
                Relation { alias: Some(alias), table: catalog_table, columns, open_qualified: false }
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let out = self.query(subquery)?;
                let columns = renamed(alias.as_ref(), out.map_or(Columns::Any, Columns::Known));
                let alias = alias.as_ref().map(|a| a.name.value.to_ascii_lowercase());
                Relation { alias, table: None, columns, open_qualified: false }
            }
            TableFactor::UNNEST { alias, array_exprs, with_offset_alias, .. } => {
                self.check(array_exprs, Aliases::Refused)?;
                let name = alias.as_ref().map(|a| a.name.value.to_ascii_lowercase());
                let mut cols: Vec<String> = match alias {
                    Some(a) if !a.columns.is_empty() => {
                        a.columns.iter().map(|c| c.name.value.to_ascii_lowercase()).collect()
                    }
                    _ => name.iter().cloned().chain(std::iter::once("unnest".to_string())).collect(),
                };
                cols.extend(with_offset_alias.iter().map(|i| i.value.to_ascii_lowercase()));
                cols.extend(["ordinality".to_string(), "offset".to_string()]);
                Relation { alias: name, table: None, columns: Columns::Known(cols), open_qualified: true }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => return self.table_with_joins(table_with_joins),
            TableFactor::Function { name, .. } => return Err(forbidden_table_function(&name.to_string())),
            TableFactor::TableFunction { expr, .. } => return Err(forbidden_table_function(&expr.to_string())),
            other => {
                return Err(ValidationError::NotReadOnly(format!(
                    "{} in FROM is not supported; read the catalog tables with SELECT … FROM <table>",
                    other.to_string().split_whitespace().next().unwrap_or("this construct")
                )));
            }
        };
        self.frame().relations.push(relation);
        Ok(())
    }

    fn cte_columns(&self, name: &str) -> Option<Columns> {
        self.frames.iter().rev().flat_map(|f| f.ctes.iter().rev()).find(|(n, _)| n == name).map(|(_, c)| c.clone())
    }

    /// Checks every column reference and subquery in `node` against the current scope.
    fn check<V: Visit>(&mut self, node: &V, aliases: Aliases) -> Result<(), ValidationError> {
        let c = collect(node);
        for name in &c.names {
            self.resolve(name, &c.lambda_params, aliases)?;
        }
        for q in &c.subqueries {
            self.query(q)?;
        }
        Ok(())
    }

    fn check_subqueries<V: Visit>(&mut self, node: &V) -> Result<(), ValidationError> {
        for q in &collect(node).subqueries {
            self.query(q)?;
        }
        Ok(())
    }

    fn resolve(&self, name: &[Ident], lambda: &[String], aliases: Aliases) -> Result<(), ValidationError> {
        let first = name[0].value.to_ascii_lowercase();
        if lambda.contains(&first) {
            return Ok(());
        }
        if name.len() == 1 {
            if NILADIC.contains(&first.as_str()) || self.column_in_scope(&first) {
                return Ok(());
            }
            return match aliases {
                Aliases::Accepted if self.is_alias(&first) => Ok(()),
                Aliases::NotOnAthena(clause) if self.is_alias(&first) => Err(alias_on_athena(&first, clause)),
                _ => Err(self.unknown_column(&first)),
            };
        }
        let second = name[1].value.to_ascii_lowercase();
        if let Some(rel) = self.relation(&first) {
            return match &rel.columns {
                _ if rel.open_qualified => Ok(()),
                Columns::Any => Ok(()),
                Columns::Known(cols) if cols.contains(&second) => Ok(()),
                Columns::Known(cols) => Err(ValidationError::UnknownColumn {
                    table: rel.table.clone().or_else(|| rel.alias.clone()).unwrap_or_default(),
                    column: second.clone(),
                    suggestions: super::suggest::nearest(&second, cols, self.catalog),
                }),
            };
        }
        if self.column_in_scope(&first) {
            return Ok(()); // struct field access on a column
        }
        let dotted: Vec<String> = name.iter().map(|i| i.value.clone()).collect();
        Err(self.unknown_column(&dotted.join(".")))
    }

    fn is_alias(&self, name: &str) -> bool {
        self.frames.last().is_some_and(|f| f.aliases.iter().any(|a| a == name))
    }

    fn relation(&self, alias: &str) -> Option<&Relation> {
        self.frames.iter().rev().flat_map(|f| f.relations.iter()).find(|r| r.alias.as_deref() == Some(alias))
    }

    fn column_in_scope(&self, name: &str) -> bool {
        self.frames.iter().flat_map(|f| f.relations.iter()).any(|r| match &r.columns {
            Columns::Any => true,
            Columns::Known(cols) => cols.iter().any(|c| c == name),
        })
    }

    fn unknown_column(&self, column: &str) -> ValidationError {
        let frame = self.frames.last();
        let rels: Vec<&Relation> = frame.map(|f| f.relations.iter().collect()).unwrap_or_default();
        let table =
            rels.iter().filter_map(|r| r.table.clone().or_else(|| r.alias.clone())).collect::<Vec<_>>().join(", ");
        let mut candidates: Vec<String> = Vec::new();
        for r in &rels {
            if let Columns::Known(cols) = &r.columns {
                candidates.extend(cols.iter().cloned());
            }
        }
        ValidationError::UnknownColumn {
            table: if table.is_empty() { "(no table)".into() } else { table },
            column: column.to_owned(),
            suggestions: super::suggest::nearest(column, &candidates, self.catalog),
        }
    }

    fn unknown_table(&self, table: &str) -> ValidationError {
        let mut available: Vec<String> = self.catalog.tables.iter().map(|t| t.name.clone()).collect();
        available.extend(self.frames.iter().flat_map(|f| f.ctes.iter().map(|(n, _)| n.clone())));
        ValidationError::UnknownTable { table: table.to_owned(), available: available.join(", ") }
    }
}

fn renamed(alias: Option<&sqlparser::ast::TableAlias>, columns: Columns) -> Columns {
    match alias {
        Some(a) if !a.columns.is_empty() => {
            Columns::Known(a.columns.iter().map(|c| c.name.value.to_ascii_lowercase()).collect())
        }
        _ => columns,
    }
}

fn output_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => i.value.to_ascii_lowercase(),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.to_ascii_lowercase()).unwrap_or_default(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn forbidden_table_function(name: &str) -> ValidationError {
    ValidationError::NotReadOnly(format!(
        "table function {name} is not allowed; read only the catalog tables (cloudtrail, vpcflow)"
    ))
}

fn alias_on_athena(alias: &str, clause: &str) -> ValidationError {
    let instead = if clause == "GROUP BY" {
        "repeat the aliased expression (GROUP BY date_trunc('hour', event_time)) or use its position (GROUP BY 1)"
    } else {
        "repeat the aliased expression (HAVING count(*) > 10)"
    };
    ValidationError::NotAllowed(format!(
        "the select-list alias {alias} in {clause}; Athena resolves names there against the table's columns only \
         (COLUMN_NOT_FOUND): {instead}"
    ))
}
