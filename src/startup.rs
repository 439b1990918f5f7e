//! Builds the application from config: engine, model, library, store, Slack client, router and workers.

use std::process::ExitCode;

use crate::config::Config;

/// Runs `asklake serve` until a shutdown signal.
pub async fn serve(_config: Config) -> anyhow::Result<ExitCode> {
    crate::cli::not_built("serve")
}
