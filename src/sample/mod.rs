//! A deterministic synthetic Security Lake v2 (CloudTrail management + VPC Flow) with planted incidents.

pub mod cli;
pub mod schema;

/// Options of `asklake sample generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// DuckDB file to write (default: `[duckdb] path`).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Approximate total rows (CloudTrail + VPC Flow).
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Random seed; the same seed and `--now` give the same lake.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also write Parquet files into this folder.
    #[arg(long)]
    pub parquet_dir: Option<std::path::PathBuf>,
    /// Also write the CloudTrail part as raw CloudTrail `.json.gz` files into this folder.
    #[arg(long)]
    pub cloudtrail_dir: Option<std::path::PathBuf>,
    /// Pretend "now" is this RFC 3339 time (default: the current time).
    #[arg(long)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}
