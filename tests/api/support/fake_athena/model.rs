//! The fake's cost model: how long a query stays QUEUED and RUNNING (queue time, planning time, scan time per
//! byte) and how many bytes it scans (the rows of the Security Lake tables it reads that its partition
//! predicates keep, times a fixed row size), as Athena would bill them.
//!
//! A query reports QUEUED for at least one poll and until its queue time is over, then RUNNING for at least one
//! poll and until planning and scan time are over, then its end state, as `GetQueryExecution` does. A failure
//! Trino finds at analysis (names, types, functions) ends at planning, before any scan, and scans nothing. An
//! `EXPLAIN` plans and does not scan. A reused result needs neither. The default model is instant (tests).

use std::time::Duration;

/// Times and sizes of the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// Time in Athena's queue before a query starts.
    pub queue: Duration,
    /// Planning time (includes listing partitions), also spent by EXPLAIN and by queries that fail analysis.
    pub planning: Duration,
    /// Scan time per gigabyte scanned.
    pub scan_per_gb: Duration,
    /// Bytes one fixture row stands for in the scan (one row per this many bytes of Parquet).
    pub bytes_per_row: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Self { queue: Duration::ZERO, planning: Duration::ZERO, scan_per_gb: Duration::ZERO, bytes_per_row: 256 }
    }
}

impl Latency {
    /// Figures in the range Athena shows for small interactive queries on a quiet workgroup: about 0.3 s queued,
    /// 0.5 s planning, 1 s per GB scanned, each fixture row standing for 512 MB of Parquet.
    pub fn athena_like() -> Self {
        Self {
            queue: Duration::from_millis(300),
            planning: Duration::from_millis(500),
            scan_per_gb: Duration::from_secs(1),
            bytes_per_row: 512 * 1024 * 1024,
        }
    }

    /// How long a query takes to end once started: `(queued, running)`.
    pub fn phases(&self, kind: Kind, scan_bytes: u64) -> (Duration, Duration) {
        match kind {
            Kind::Reused => (Duration::ZERO, Duration::ZERO),
            Kind::Explain | Kind::FailsAnalysis => (self.queue, self.planning),
            Kind::Scan => (self.queue, self.planning + self.scan_per_gb.mul_f64(scan_bytes as f64 / 1e9)),
        }
    }
}

/// What a started query does, for timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Answered from a stored result.
    Reused,
    /// `EXPLAIN`: plans, no scan.
    Explain,
    /// Fails at analysis, before any scan.
    FailsAnalysis,
    /// Plans and scans.
    Scan,
}

/// The state `GetQueryExecution` reports after `polls` polls (this one included) and `elapsed` since the start.
pub fn state(polls: u32, elapsed: Duration, (queued, running): (Duration, Duration), kind: Kind) -> Phase {
    if kind == Kind::Reused {
        return Phase::Done;
    }
    if polls <= 1 || elapsed < queued {
        Phase::Queued
    } else if polls == 2 || elapsed < queued + running {
        Phase::Running
    } else {
        Phase::Done
    }
}

/// Where a query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `QUEUED`.
    Queued,
    /// `RUNNING`.
    Running,
    /// `SUCCEEDED` or `FAILED`.
    Done,
}

/// The Security Lake tables `sql` reads and, for each, the predicate on its scan (the binding's CTE `WHERE`
/// on the source, `FROM "db"."table" AS src WHERE …`), if any.
pub fn table_scans(sql: &str, database: &str) -> Vec<(String, Option<String>)> {
    let re = regex::Regex::new(&format!(
        r#""?{}"?\."?(amazon_security_lake_table_[a-z0-9_]+)"?(\s+AS\s+src\s+WHERE\s+)?"#,
        regex::escape(database)
    ))
    .expect("table pattern");
    re.captures_iter(sql)
        .map(|c| {
            let table = c[1].to_owned();
            let predicate = c.get(2).map(|m| until_close(&sql[m.end()..]));
            (table, predicate)
        })
        .collect()
}

/// The text up to the parenthesis that closes the enclosing one (quotes respected).
fn until_close(s: &str) -> String {
    let (mut depth, mut quoted) = (0i32, false);
    for (i, ch) in s.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth == 0 => return s[..i].to_owned(),
            ')' if !quoted => depth -= 1,
            _ => {}
        }
    }
    s.to_owned()
}
