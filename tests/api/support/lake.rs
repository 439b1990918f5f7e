//! A shared small sample lake, generated once per test run.
//!
//! "Now" is the real current time rounded down to the hour, so queries relative to `current_timestamp`
//! (for example "last 7 days") find the planted incidents.

use std::path::PathBuf;
use std::sync::OnceLock;

use asklake::sample::{GenerateOptions, Manifest, generate};
use chrono::{DurationRound, TimeDelta, Utc};

/// Rows of the shared lake.
pub const SHARED_ROWS: usize = 20_000;
/// Seed of the shared lake.
pub const SHARED_SEED: u64 = 20_261_122;

/// A generated lake that lives for the whole test run.
pub struct SharedLake {
    /// Keeps the folder alive.
    _dir: tempfile::TempDir,
    /// The DuckDB file.
    pub path: PathBuf,
    /// The raw CloudTrail folder (holds `AWSLogs/…`).
    pub cloudtrail_dir: PathBuf,
    /// Planted facts.
    pub manifest: Manifest,
}

/// The lake shared by every test that needs one (generated on first use).
pub fn shared_lake() -> &'static SharedLake {
    static LAKE: OnceLock<SharedLake> = OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir for the shared lake");
        let path = dir.path().join("lake.duckdb");
        let cloudtrail_dir = dir.path().join("cloudtrail");
        let now = Utc::now().duration_trunc(TimeDelta::hours(1)).expect("hour rounding");
        let opts = GenerateOptions {
            out: path.clone(),
            rows: SHARED_ROWS,
            seed: SHARED_SEED,
            now,
            parquet_dir: None,
            cloudtrail_dir: Some(cloudtrail_dir.clone()),
            force: false,
        };
        let manifest = generate(&opts).expect("the shared sample lake generates");
        SharedLake { _dir: dir, path, cloudtrail_dir, manifest }
    })
}
