//! Prometheus text metrics for `GET /metrics`: requests by route and status, answers in flight, answer
//! latency histogram, signature verification failures, and per engine the queries that answered, the bytes
//! they scanned, what that cost and how many were answered from a stored result. Plain atomics; no registry
//! crate needed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the answer latency histogram buckets.
const LATENCY_BUCKETS: [f64; 10] = [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];

/// The app's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    in_flight: AtomicI64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_sum_ms: AtomicU64,
    latency_count: AtomicU64,
    verification_failures: AtomicU64,
    answers_by_outcome: Mutex<BTreeMap<&'static str, u64>>,
    scans: Mutex<BTreeMap<String, Scans>>,
}

/// A counter family over [`Scans`]: name, help, value.
type Series = (&'static str, &'static str, fn(&Scans) -> String);

/// What one engine's answering queries scanned.
#[derive(Debug, Default, Clone, Copy)]
struct Scans {
    queries: u64,
    reused: u64,
    bytes: u64,
    cost_usd: f64,
}

/// Decrements the in-flight gauge when dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts one HTTP request.
    pub fn request(&self, route: &str, status: u16) {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner()).entry((route.to_owned(), status)).or_default() += 1;
    }

    /// Counts one request that failed signature verification.
    pub fn verification_failed(&self) {
        self.verification_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks an answer as started; the guard marks it finished.
    pub fn answer_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records how long an answer took and how it ended.
    pub fn answer_finished(&self, outcome: &'static str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_sum_ms.fetch_add(elapsed.as_millis() as u64, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        *self.answers_by_outcome.lock().unwrap_or_else(|p| p.into_inner()).entry(outcome).or_default() += 1;
    }

    /// Counts the query that produced an answer's rows: bytes scanned, cost, reuse.
    pub fn engine_result(&self, engine: &str, stats: &crate::engines::QueryStats) {
        let mut scans = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        let s = scans.entry(engine.to_ascii_lowercase()).or_default();
        s.queries += 1;
        s.reused += u64::from(stats.reused);
        s.bytes += stats.bytes_scanned.unwrap_or(0);
        s.cost_usd += stats.cost_usd.unwrap_or(0.0);
    }

    /// Answers currently being worked on.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP asklake_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE asklake_http_requests_total counter\n");
        for ((route, status), n) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "asklake_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP asklake_slack_verification_failures_total Slack requests refused by signature checks.\n");
        out.push_str("# TYPE asklake_slack_verification_failures_total counter\n");
        let _ = writeln!(
            out,
            "asklake_slack_verification_failures_total {}",
            self.verification_failures.load(Ordering::Relaxed)
        );
        out.push_str("# HELP asklake_answers_in_flight Questions being answered now.\n");
        out.push_str("# TYPE asklake_answers_in_flight gauge\n");
        let _ = writeln!(out, "asklake_answers_in_flight {}", self.in_flight());
        out.push_str("# HELP asklake_answers_total Answers posted, by outcome.\n");
        out.push_str("# TYPE asklake_answers_total counter\n");
        for (outcome, n) in self.answers_by_outcome.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "asklake_answers_total{{outcome=\"{outcome}\"}} {n}");
        }
        out.push_str("# HELP asklake_answer_seconds Time from question to posted answer.\n");
        out.push_str("# TYPE asklake_answer_seconds histogram\n");
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            let n = self.latency_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "asklake_answer_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "asklake_answer_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_ms.load(Ordering::Relaxed) as f64 / 1000.0;
        let _ = writeln!(out, "asklake_answer_seconds_sum {sum}");
        let _ = writeln!(out, "asklake_answer_seconds_count {count}");
        self.render_scans(&mut out);
        out
    }

    fn render_scans(&self, out: &mut String) {
        let scans = self.scans.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let series: [Series; 4] = [
            ("asklake_engine_queries_total", "Queries that produced an answer's rows, by engine.", |s| {
                s.queries.to_string()
            }),
            (
                "asklake_engine_reused_results_total",
                "Of those, answered from a stored result (Athena result reuse).",
                |s| s.reused.to_string(),
            ),
            ("asklake_engine_bytes_scanned_total", "Bytes those queries scanned.", |s| s.bytes.to_string()),
            ("asklake_engine_scan_cost_usd_total", "What those scans cost ([athena] price_per_tb_usd).", |s| {
                s.cost_usd.to_string()
            }),
        ];
        for (name, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (engine, s) in &scans {
                let _ = writeln!(out, "{name}{{engine=\"{engine}\"}} {}", value(s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histogram_render_as_prometheus_text() {
        let m = Metrics::default();
        m.request("/slack/commands", 200);
        m.request("/slack/commands", 200);
        m.request("/slack/events", 401);
        m.verification_failed();
        {
            let _g = m.answer_started();
            assert_eq!(m.in_flight(), 1);
            m.answer_finished("answered", Duration::from_millis(1500));
        }
        assert_eq!(m.in_flight(), 0);
        let text = m.render();
        assert!(text.contains("asklake_http_requests_total{route=\"/slack/commands\",status=\"200\"} 2"));
        assert!(text.contains("asklake_http_requests_total{route=\"/slack/events\",status=\"401\"} 1"));
        assert!(text.contains("asklake_slack_verification_failures_total 1"));
        assert!(text.contains("asklake_answer_seconds_bucket{le=\"1\"} 0"));
        assert!(text.contains("asklake_answer_seconds_bucket{le=\"2.5\"} 1"));
        assert!(text.contains("asklake_answer_seconds_count 1"));
        assert!(text.contains("asklake_answers_total{outcome=\"answered\"} 1"));
    }

    #[test]
    fn engine_queries_bytes_cost_and_reused_results_are_counted_per_engine() {
        use crate::engines::QueryStats;
        let m = Metrics::default();
        let fresh = QueryStats { bytes_scanned: Some(2_000_000_000), cost_usd: Some(0.01), ..Default::default() };
        let reused = QueryStats { bytes_scanned: Some(0), cost_usd: Some(0.0), reused: true, ..Default::default() };
        m.engine_result("Athena", &fresh);
        m.engine_result("Athena", &reused);
        let text = m.render();
        assert!(text.contains("asklake_engine_queries_total{engine=\"athena\"} 2"), "{text}");
        assert!(text.contains("asklake_engine_reused_results_total{engine=\"athena\"} 1"), "{text}");
        assert!(text.contains("asklake_engine_bytes_scanned_total{engine=\"athena\"} 2000000000"), "{text}");
        assert!(text.contains("asklake_engine_scan_cost_usd_total{engine=\"athena\"} 0.01"), "{text}");
    }
}
