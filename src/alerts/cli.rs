//! `asklake alerts drain|preview`.

use std::process::ExitCode;

use crate::cli::AlertsCommand;
use crate::config::Config;

/// Runs `asklake alerts …`.
pub async fn run(_config: &Config, _cmd: AlertsCommand) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("alerts")
}
