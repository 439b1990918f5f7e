//! Allowed expression forms and function calls; every other `Expr` variant (present or future) is refused.

use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments,
    ObjectNamePart, UnaryOperator, Value,
};

use super::super::{ValidationError, allow};
use super::clauses::first_words;
use crate::engines::Dialect;

fn refuse(message: impl Into<String>) -> Result<(), ValidationError> {
    Err(ValidationError::NotAllowed(message.into()))
}

/// One expression node (its children are visited on their own).
pub(super) fn expr(e: &Expr, dialect: Dialect) -> Result<(), ValidationError> {
    match e {
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::CompoundFieldAccess { .. }
        | Expr::IsFalse(_)
        | Expr::IsNotFalse(_)
        | Expr::IsTrue(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsUnknown(_)
        | Expr::IsNotUnknown(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::AnyOp { .. }
        | Expr::AllOp { .. }
        | Expr::Extract { .. }
        | Expr::Ceil { .. }
        | Expr::Floor { .. }
        | Expr::Position { .. }
        | Expr::Substring { .. }
        | Expr::Trim { .. }
        | Expr::Nested(_)
        | Expr::TypedString(_)
        | Expr::Case { .. }
        | Expr::Exists { .. }
        | Expr::Subquery(_)
        | Expr::GroupingSets(_)
        | Expr::Cube(_)
        | Expr::Rollup(_)
        | Expr::Tuple(_)
        | Expr::Array(_)
        | Expr::Interval(_) => Ok(()),
        Expr::Lambda(lambda) => {
            if lambda.params.iter().any(|p| p.data_type.is_some()) {
                return refuse("typed lambda parameters; write x -> <expression>");
            }
            Ok(())
        }
        Expr::BinaryOp { op, right, .. } => binary(op, right),
        Expr::UnaryOp { op: UnaryOperator::Not | UnaryOperator::Minus | UnaryOperator::Plus, .. } => Ok(()),
        Expr::Cast { kind: CastKind::Cast | CastKind::TryCast, format: None, .. } => Ok(()),
        Expr::Cast { .. } => refuse(format!("`{}`; write CAST(<expression> AS <type>)", first_words(&e.to_string()))),
        Expr::ILike { .. } if dialect == Dialect::DuckDb => Ok(()),
        Expr::ILike { .. } => refuse("ILIKE (Athena has none); write lower(<column>) LIKE '<lower-case pattern>'"),
        Expr::AtTimeZone { .. } if dialect == Dialect::Trino => Ok(()),
        Expr::AtTimeZone { .. } => refuse(
            "AT TIME ZONE (this engine has no time zones); shift the UTC value by the zone's offset, e.g. \
             event_time + INTERVAL '9' HOUR for Asia/Seoul",
        ),
        Expr::Value(v) => value(&v.value),
        Expr::Function(f) => function(f, dialect),
        other => refuse(format!(
            "the expression `{}`; use columns, literals, arithmetic and comparisons, CASE, CAST, IN, LIKE, subqueries \
             and the allowed functions",
            first_words(&other.to_string())
        )),
    }
}

/// Arithmetic, comparison, logic, `||`, and `->` only as a lambda arrow.
fn binary(op: &BinaryOperator, right: &Expr) -> Result<(), ValidationError> {
    use BinaryOperator as B;
    match op {
        B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo | B::StringConcat => Ok(()),
        B::Gt | B::Lt | B::GtEq | B::LtEq | B::Eq | B::NotEq | B::And | B::Or => Ok(()),
        B::Arrow if !matches!(right, Expr::Value(_)) => Ok(()),
        other => refuse(format!(
            "the operator {other}; use + - * / % ||, comparisons, AND / OR / NOT, and json_extract_scalar for JSON"
        )),
    }
}

/// Numbers, single-quoted strings, booleans and NULL.
fn value(v: &Value) -> Result<(), ValidationError> {
    match v {
        Value::Number(..) | Value::SingleQuotedString(_) | Value::Boolean(_) | Value::Null => Ok(()),
        Value::Placeholder(p) => refuse(format!("the placeholder {p}; write the value itself")),
        other => refuse(format!("the literal {other}; write text in single quotes ('…') and numbers as digits")),
    }
}

/// A call to an allowed function by its plain name, with positional arguments.
fn function(f: &Function, dialect: Dialect) -> Result<(), ValidationError> {
    let name = match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => ident.value.as_str(),
        _ => return refuse(format!("the function {}; call functions by their plain name", f.name)),
    };
    if !allow::is_allowed(name, dialect) {
        return Err(ValidationError::NotAllowed(unknown_function(name, dialect)));
    }
    let plain = !f.uses_odbc_syntax && matches!(f.parameters, FunctionArguments::None) && f.within_group.is_empty();
    if !plain {
        return refuse(format!("this form of {name}(…); call it as {name}(<arguments>)"));
    }
    let list = match &f.args {
        FunctionArguments::None => return Ok(()),
        FunctionArguments::Subquery(_) => {
            return refuse(format!("a query as the argument of {name}; write {name}((SELECT …)) or use a join"));
        }
        FunctionArguments::List(list) => list,
    };
    let clause_ok = |c: &FunctionArgumentClause| {
        matches!(c, FunctionArgumentClause::OrderBy(_) | FunctionArgumentClause::IgnoreOrRespectNulls(_))
    };
    if !list.clauses.iter().all(clause_ok) {
        return refuse(format!("the clauses inside {name}(…); only ORDER BY may follow the arguments"));
    }
    let arg_ok =
        |a: &FunctionArg| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(_) | FunctionArgExpr::Wildcard));
    if !list.args.iter().all(arg_ok) {
        return refuse(format!("named or wildcard-with-options arguments of {name}; pass plain positional arguments"));
    }
    Ok(())
}

/// What to tell the model about a function that is not on the allow-list of `dialect`.
fn unknown_function(name: &str, dialect: Dialect) -> String {
    let engine = if dialect == Dialect::DuckDb { "DuckDB" } else { "Athena (Trino)" };
    if let Some(instead) = crate::pipeline::diagnose::replacement(name, dialect) {
        return format!("{engine} has no function `{name}`; use {instead} instead");
    }
    if allow::is_allowed_elsewhere(name, dialect) {
        return format!("{engine} has no function `{name}`; use the functions the SQL dialect notes name");
    }
    let near = allow::nearest(name, dialect);
    let hint = if near.is_empty() { String::new() } else { format!(" (closest allowed: {})", near.join(", ")) };
    format!(
        "the function `{name}` is not on asklake's list of allowed functions{hint}; use the Trino string, date, math, \
         JSON, array and aggregate functions the SQL dialect notes name"
    )
}
