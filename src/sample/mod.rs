//! A deterministic synthetic Security Lake v2 (CloudTrail management + VPC Flow) with planted incidents.

pub mod cli;
pub mod manifest;
pub mod schema;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use manifest::{Incident, IncidentKind, Manifest, SampleAccount};

/// Options of `asklake sample generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// DuckDB file to write (default: `[duckdb] path`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Approximate total rows (CloudTrail + VPC Flow).
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Random seed; the same seed and `--now` give the same lake.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also write Parquet files into this folder.
    #[arg(long)]
    pub parquet_dir: Option<PathBuf>,
    /// Also write the CloudTrail part as raw CloudTrail `.json.gz` files into this folder.
    #[arg(long)]
    pub cloudtrail_dir: Option<PathBuf>,
    /// Pretend "now" is this RFC 3339 time (default: the current time).
    #[arg(long)]
    pub now: Option<DateTime<Utc>>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// What to generate (library form of [`GenerateArgs`]).
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// DuckDB file to write.
    pub out: PathBuf,
    /// Approximate total rows.
    pub rows: usize,
    /// Seed.
    pub seed: u64,
    /// "Now".
    pub now: DateTime<Utc>,
    /// Optional Parquet folder.
    pub parquet_dir: Option<PathBuf>,
    /// Optional raw CloudTrail folder.
    pub cloudtrail_dir: Option<PathBuf>,
    /// Replace existing files.
    pub force: bool,
}

/// Generates the lake described by `opts` and writes its manifest beside it ([`Manifest::path_for`]).
pub fn generate(opts: &GenerateOptions) -> anyhow::Result<Manifest> {
    let _ = opts;
    anyhow::bail!("sample generation is not built yet")
}
