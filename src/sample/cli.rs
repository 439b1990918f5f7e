//! `asklake sample generate`: turns flags and config into [`GenerateOptions`], runs the generator, prints a summary.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;

use super::{GenerateArgs, GenerateOptions, Manifest};
use crate::config::Config;

/// Runs `asklake sample generate`.
pub async fn generate(config: &Config, args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let opts = options(config, args);
    let started = Instant::now();
    let job = opts.clone();
    let manifest = crate::telemetry::spawn_blocking_in_span(move || super::generate(&job))
        .await
        .context("the generator task stopped unexpectedly")??;
    print!("{}", summary(&opts, &manifest, started.elapsed()));
    Ok(ExitCode::SUCCESS)
}

/// Library options from flags, with `[duckdb] path` as the default output and the current time as "now".
pub fn options(config: &Config, args: &GenerateArgs) -> GenerateOptions {
    GenerateOptions {
        out: args.out.clone().unwrap_or_else(|| config.duckdb.path.clone()),
        rows: args.rows,
        seed: args.seed,
        now: args.now.unwrap_or_else(Utc::now),
        parquet_dir: args.parquet_dir.clone(),
        cloudtrail_dir: args.cloudtrail_dir.clone(),
        force: args.force,
    }
}

/// The text printed after a run: rows, accounts, regions, one line per incident, time and speed.
pub fn summary(opts: &GenerateOptions, m: &Manifest, took: Duration) -> String {
    use std::fmt::Write;
    let rows = m.cloudtrail_rows + m.vpcflow_rows + m.source_rows.values().sum::<usize>();
    let secs = took.as_secs_f64().max(1e-9);
    let mut s = String::new();
    let _ = writeln!(s, "Sample lake written to {} (seed {}, now {})", opts.out.display(), m.seed, m.now.to_rfc3339());
    let _ = writeln!(s, "  cloud_trail_mgmt_2_0: {:>9} rows", m.cloudtrail_rows);
    let _ = writeln!(s, "  vpc_flow_2_0:         {:>9} rows", m.vpcflow_rows);
    for (table, n) in &m.source_rows {
        let _ = writeln!(s, "  {:<21} {n:>9} rows", format!("{table}:"));
    }
    let accounts: Vec<String> = m.accounts.iter().map(|a| format!("{} ({})", a.id, a.name)).collect();
    let _ = writeln!(s, "  accounts: {}", accounts.join(", "));
    let _ = writeln!(s, "  regions:  {}", m.regions.join(", "));
    let _ = writeln!(s, "Planted incidents ({}):", m.incidents.len());
    for i in &m.incidents {
        let _ = writeln!(s, "  - {} {:?}: {}", i.start.format("%Y-%m-%d %H:%M UTC"), i.kind, i.description);
    }
    let _ = writeln!(s, "Took {secs:.2} s ({:.0} rows/s)", rows as f64 / secs);
    let _ = writeln!(s, "Manifest: {}", Manifest::path_for(&opts.out).display());
    if let Some(dir) = &opts.parquet_dir {
        let _ = writeln!(s, "Parquet:  {}", dir.display());
    }
    if let Some(dir) = &opts.cloudtrail_dir {
        let _ = writeln!(s, "Raw CloudTrail files: {}", dir.join("AWSLogs").display());
    }
    s
}
