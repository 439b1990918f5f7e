//! `asklake sql`: run SQL over the logical tables and print the result.

use std::process::ExitCode;

use crate::cli::SqlArgs;
use crate::config::Config;

/// Runs `asklake sql`.
pub async fn sql(_config: &Config, _args: &SqlArgs) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("sql")
}
