//! Execution of one candidate: validate (no engine contact on failure; a table with no lower `event_time` bound
//! is held to the engine's look-back), dry-run where it pays, then run with the row cap. A verified library query is never dry-run (it is known to run); model SQL is dry-run only on
//! engines whose [`SqlEngine::dry_run_pays`] says so (not Athena: one round trip per attempt).

use super::validate::{ValidatedSql, ValidationError, validate_within};
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

/// Where a candidate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The verified query library: known to run, never dry-run.
    Verified,
    /// The model: dry-run first where the engine says it pays.
    Model,
}

/// Validates `sql`, dry-runs it when that pays for its origin on this engine, and runs it.
pub async fn run(
    engine: &dyn SqlEngine,
    catalog: &Catalog,
    sql: &str,
    row_limit: u64,
    opts: &ExecOptions,
    origin: Origin,
) -> Result<(ValidatedSql, QueryResult), RunError> {
    let validated = validate_within(sql, catalog, engine.binding(), row_limit, engine.lookback())?;
    if origin == Origin::Model && engine.dry_run_pays() {
        engine.dry_run(&validated).await?;
    }
    let mut result = engine.execute(&validated, opts).await?;
    result.stats.lookback = validated.lookback();
    Ok((validated, result))
}
