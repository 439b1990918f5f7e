//! `asklake library check|match`.

use std::process::ExitCode;

use crate::cli::LibraryCommand;
use crate::config::Config;

/// Runs `asklake library …`.
pub async fn run(_config: &Config, _cmd: LibraryCommand) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("library")
}
