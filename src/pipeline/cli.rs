//! `asklake ask`: answer one question in the terminal.

use std::process::ExitCode;

use crate::config::Config;

/// Runs `asklake ask`.
pub async fn ask(_config: &Config, _question: &str) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("ask")
}
