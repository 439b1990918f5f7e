//! Execution of one candidate: validate (no engine contact on failure), dry-run, then run with the row cap.

use super::validate::{ValidatedSql, ValidationError, validate};
use crate::catalog::Catalog;
use crate::engines::{EngineError, ExecOptions, QueryResult, SqlEngine};

/// Why a candidate did not produce rows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// Refused before reaching the engine.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The engine's dry run or execution failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Validates `sql`, dry-runs it, and runs it.
pub async fn run(
    engine: &dyn SqlEngine,
    catalog: &Catalog,
    sql: &str,
    row_limit: u64,
    opts: &ExecOptions,
) -> Result<(ValidatedSql, QueryResult), RunError> {
    let validated = validate(sql, catalog, engine.binding(), row_limit)?;
    engine.dry_run(&validated).await?;
    let result = engine.execute(&validated, opts).await?;
    Ok((validated, result))
}
