//! `asklake sample generate`.

use std::process::ExitCode;

use crate::config::Config;

/// Runs `asklake sample generate`.
pub async fn generate(_config: &Config, _args: &super::GenerateArgs) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("sample generate")
}
