//! Benchmark: lake. Prints sample-lake generation speed (rows/s) for the default 200,000 rows.
//!
//! Run with `cargo bench --profile dev --bench lake`.

use std::time::Instant;

use asklake::sample::{GenerateOptions, generate};
use chrono::{TimeZone, Utc};

/// Generates the default-size lake (with and without raw CloudTrail files) and prints rows/s.
fn bench_generation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("valid time");
    for (label, raw) in [("lake only", false), ("lake + raw CloudTrail files", true)] {
        let out = dir.path().join(format!("bench-{raw}.duckdb"));
        let opts = GenerateOptions {
            out,
            rows: 200_000,
            seed: 42,
            now,
            parquet_dir: None,
            cloudtrail_dir: raw.then(|| dir.path().join(format!("cloudtrail-{raw}"))),
            force: true,
        };
        let started = Instant::now();
        let manifest = generate(&opts).expect("generation succeeds");
        let secs = started.elapsed().as_secs_f64();
        let rows = manifest.cloudtrail_rows + manifest.vpcflow_rows;
        println!(
            "sample generate ({label}): {rows} rows ({} CloudTrail, {} VPC Flow) in {secs:.2} s = {:.0} rows/s",
            manifest.cloudtrail_rows,
            manifest.vpcflow_rows,
            rows as f64 / secs
        );
    }
}

fn main() {
    bench_generation();
}
