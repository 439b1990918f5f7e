//! The eval report: per category and overall numbers, failures with gold vs predicted SQL and their first
//! differing rows, changed requests; Markdown for people, JSON for tools; and the one-table ablation comparison.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::run::CaseResult;

/// Numbers over a group of questions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Questions.
    pub questions: usize,
    /// Judged right.
    pub passed: usize,
    /// passed / questions.
    pub accuracy: f64,
    /// Questions by number of model attempts (0 = a verified query answered without the model).
    pub attempts: BTreeMap<usize, usize>,
    /// Right after a failed or empty first attempt.
    pub rescued: usize,
    /// Declined by the model.
    pub declines: usize,
    /// Answered by a verified library query.
    pub verified: usize,
    /// Mean input tokens per question.
    pub mean_input_tokens: f64,
    /// Mean output tokens per question.
    pub mean_output_tokens: f64,
    /// Mean latency, ms.
    pub mean_latency_ms: f64,
    /// Slowest question, ms.
    pub max_latency_ms: u64,
    /// Mean estimated cost per question, USD (when a price is known).
    pub mean_cost_usd: Option<f64>,
    /// Requests the recording had no reply for.
    pub changed_requests: usize,
    /// Gold SQL that did not run.
    pub broken_gold: usize,
}

impl Stats {
    /// Numbers over `cases`.
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseResult>) -> Self {
        let mut s = Stats::default();
        let (mut tin, mut tout, mut lat, mut cost, mut priced) = (0u64, 0u64, 0u64, 0f64, false);
        for c in cases {
            s.questions += 1;
            s.passed += usize::from(c.passed);
            *s.attempts.entry(c.attempts).or_insert(0) += 1;
            s.rescued += usize::from(c.rescued);
            s.declines += usize::from(c.declined);
            s.verified += usize::from(c.verified.is_some());
            s.changed_requests += c.changed_requests.len();
            s.broken_gold += usize::from(c.gold_error.is_some());
            tin += c.input_tokens;
            tout += c.output_tokens;
            lat += c.latency_ms;
            s.max_latency_ms = s.max_latency_ms.max(c.latency_ms);
            if let Some(c) = c.cost_usd {
                cost += c;
                priced = true;
            }
        }
        let n = s.questions.max(1) as f64;
        s.accuracy = s.passed as f64 / n;
        s.mean_input_tokens = tin as f64 / n;
        s.mean_output_tokens = tout as f64 / n;
        s.mean_latency_ms = lat as f64 / n;
        s.mean_cost_usd = priced.then_some(cost / n);
        s
    }
}

/// The full report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Which configuration ran.
    pub configuration: String,
    /// The pinned time.
    pub now: String,
    /// All questions.
    pub overall: Stats,
    /// By category.
    pub categories: BTreeMap<String, Stats>,
    /// Every question's result.
    pub cases: Vec<CaseResult>,
}

impl Report {
    /// Builds the report.
    pub fn new(configuration: String, now: String, cases: Vec<CaseResult>) -> Self {
        let mut groups: BTreeMap<String, Vec<&CaseResult>> = BTreeMap::new();
        for c in &cases {
            groups.entry(c.category.clone()).or_default().push(c);
        }
        let categories = groups.into_iter().map(|(k, v)| (k, Stats::of(v))).collect();
        Self { configuration, now, overall: Stats::of(&cases), categories, cases }
    }

    /// Markdown for people.
    pub fn markdown(&self) -> String {
        let mut out = format!("# asklake eval: {}\n\nnow = {}\n\n", self.configuration, self.now);
        out.push_str(&stats_table(
            std::iter::once(("**overall**", &self.overall)).chain(self.categories.iter().map(|(k, v)| (k.as_str(), v))),
        ));
        let _ = writeln!(out, "\nchanged requests: {}", self.overall.changed_requests);
        let broken: Vec<&CaseResult> = self.cases.iter().filter(|c| c.gold_error.is_some()).collect();
        if !broken.is_empty() {
            out.push_str("\n## Gold SQL that did not run\n\n");
            for c in broken {
                let _ = writeln!(out, "- `{}`: {}", c.id, c.gold_error.as_deref().unwrap_or(""));
            }
        }
        let changed: Vec<&CaseResult> = self.cases.iter().filter(|c| !c.changed_requests.is_empty()).collect();
        if !changed.is_empty() {
            out.push_str("\n## Changed requests (no recorded reply: the prompt, retrieval or validation changed)\n\n");
            for c in changed {
                for m in &c.changed_requests {
                    let _ = writeln!(out, "- {} ({:?} request, key {}): {}", m.label, m.kind, m.key, m.question);
                }
            }
        }
        let failures: Vec<&CaseResult> = self.cases.iter().filter(|c| !c.passed).collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\n## Failures ({})\n", failures.len());
            for c in failures {
                out.push_str(&failure(c));
            }
        }
        out
    }
}

fn stats_table<'a>(rows: impl Iterator<Item = (&'a str, &'a Stats)>) -> String {
    let mut out = String::from(
        "| category | n | accuracy | attempts (0/1/2/3+) | rescued | declines | verified | tokens in/out (mean) | latency mean / max | cost / q |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, s) in rows {
        let _ = writeln!(
            out,
            "| {name} | {} | {:.1}% ({}/{}) | {} | {} | {} | {} | {:.0} / {:.0} | {:.0} ms / {} ms | {} |",
            s.questions,
            s.accuracy * 100.0,
            s.passed,
            s.questions,
            attempts(s),
            s.rescued,
            s.declines,
            s.verified,
            s.mean_input_tokens,
            s.mean_output_tokens,
            s.mean_latency_ms,
            s.max_latency_ms,
            s.mean_cost_usd.map_or_else(|| "n/a".to_owned(), |c| format!("${c:.4}")),
        );
    }
    out
}

fn attempts(s: &Stats) -> String {
    let at = |k: usize| s.attempts.get(&k).copied().unwrap_or(0);
    let more: usize = s.attempts.iter().filter(|(k, _)| **k >= 3).map(|(_, v)| v).sum();
    format!("{}/{}/{}/{}", at(0), at(1), at(2), more)
}

fn failure(c: &CaseResult) -> String {
    let mut out = format!("### `{}` ({}) — {}\n\n", c.id, c.category, c.question);
    let _ = writeln!(
        out,
        "outcome: {}, attempts: {}, rows gold/predicted: {:?}/{:?}\n",
        c.outcome, c.attempts, c.rows.0, c.rows.1
    );
    if let Some(g) = &c.gold_sql {
        let _ = writeln!(out, "gold:\n```sql\n{}\n```", g.trim());
    }
    match &c.predicted_sql {
        Some(p) => {
            let _ = writeln!(out, "predicted:\n```sql\n{}\n```", p.trim());
        }
        None => {
            let _ = writeln!(out, "predicted: (no SQL) {}", c.answer.lines().next().unwrap_or(""));
        }
    }
    if let Some(m) = &c.missing_row {
        let _ = writeln!(out, "first gold row missing from the prediction: `{m}`");
    }
    if let Some(e) = &c.extra_row {
        let _ = writeln!(out, "first predicted row not in gold: `{e}`");
    }
    out.push('\n');
    out
}

/// The one-table ablation comparison.
pub fn ablation_table(reports: &[Report]) -> String {
    let mut out = String::from(
        "| configuration | accuracy | Δ vs full | mean attempts | rescued | declines | verified | tokens in (mean) | changed requests |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let base = reports.first().map_or(0.0, |r| r.overall.accuracy);
    for r in reports {
        let s = &r.overall;
        let mean_attempts = s.attempts.iter().map(|(k, v)| (*k * *v) as f64).sum::<f64>() / s.questions.max(1) as f64;
        let _ = writeln!(
            out,
            "| {} | {:.1}% | {:+.1} pt | {:.2} | {} | {} | {} | {:.0} | {} |",
            r.configuration,
            s.accuracy * 100.0,
            (s.accuracy - base) * 100.0,
            mean_attempts,
            s.rescued,
            s.declines,
            s.verified,
            s.mean_input_tokens,
            s.changed_requests
        );
    }
    out
}
