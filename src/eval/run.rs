//! Runs every dev-set question through the real pipeline (the code `asklake ask` uses), runs its gold SQL on the
//! same engine, and judges the outcome with the [`matcher`](super::matcher).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::devset::{Case, DevSet, Expect};
use super::matcher::{first_difference, matches};
use crate::catalog::Catalog;
use crate::engines::{ExecOptions, QueryResult, SqlEngine};
use crate::library::{Retrieval, Retriever};
use crate::llm::record::{CallLabel, Miss, ReplayLlm};
use crate::pipeline::{Answer, Asker, NoProgress, Outcome, Pipeline, Question, Turn, execute};

/// The four ablation switches; all off is the full pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ablation {
    /// No few-shot examples from the verified library in the prompt.
    pub no_library_examples: bool,
    /// No verified short-circuit: every question goes to the model.
    pub no_short_circuit: bool,
    /// One attempt only: no regeneration after an error (and so no empty-result check turn either).
    pub no_retry: bool,
    /// An empty result is the answer at once, without asking the model to check its query.
    pub no_empty_check: bool,
}

impl Ablation {
    /// Short name for tables ("full", "no library examples", …).
    pub fn name(&self) -> String {
        let mut parts = Vec::new();
        if self.no_library_examples {
            parts.push("no library examples");
        }
        if self.no_short_circuit {
            parts.push("no verified short-circuit");
        }
        if self.no_retry {
            parts.push("no retry");
        }
        if self.no_empty_check {
            parts.push("no empty-result check");
        }
        if parts.is_empty() { "full pipeline".into() } else { parts.join(", ") }
    }
}

/// Retrieval with the ablated parts removed.
pub struct AblatedRetriever {
    /// The configured retriever.
    pub inner: Arc<dyn Retriever>,
    /// Which parts to drop.
    pub ablation: Ablation,
}

#[async_trait::async_trait]
impl Retriever for AblatedRetriever {
    async fn retrieve(&self, question: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Retrieval {
        let mut r = self.inner.retrieve(question, now, tz).await;
        if self.ablation.no_short_circuit {
            r.verified = None;
        }
        if self.ablation.no_library_examples {
            r.examples.clear();
        }
        r
    }
}

/// What the harness runs with.
pub struct Harness {
    /// The pipeline under test.
    pub pipeline: Pipeline,
    /// The engine gold SQL runs on (the pipeline's own).
    pub engine: Arc<dyn SqlEngine>,
    /// Logical tables.
    pub catalog: Arc<Catalog>,
    /// Row cap applied to gold and predicted SQL alike.
    pub row_limit: u64,
    /// Which question is asking (copied into recordings and misses).
    pub label: CallLabel,
    /// The replayed recording, when replaying (for its misses).
    pub replay: Option<Arc<ReplayLlm>>,
    /// Price per million input and output tokens, in USD, when known.
    pub price: Option<(f64, f64)>,
}

/// The judged outcome of one question.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Question id.
    pub id: String,
    /// Category.
    pub category: String,
    /// The question.
    pub question: String,
    /// Whether the answer was right.
    pub passed: bool,
    /// How the pipeline ended ("Answered", "NoRows", "Declined", …).
    pub outcome: String,
    /// Model attempts (0 when a verified query answered).
    pub attempts: usize,
    /// Right in the end after an attempt that failed or came back empty.
    pub rescued: bool,
    /// The pipeline declined.
    pub declined: bool,
    /// Answered by a verified library entry without the model.
    pub verified: Option<String>,
    /// Model input tokens.
    pub input_tokens: u64,
    /// Model output tokens.
    pub output_tokens: u64,
    /// Wall time of the question, milliseconds.
    pub latency_ms: u64,
    /// Estimated model cost, USD.
    pub cost_usd: Option<f64>,
    /// Gold SQL (the main reading).
    pub gold_sql: Option<String>,
    /// Predicted SQL.
    pub predicted_sql: Option<String>,
    /// Gold rows / predicted rows.
    pub rows: (Option<usize>, Option<usize>),
    /// First gold row the prediction lacks.
    pub missing_row: Option<String>,
    /// First predicted row gold lacks.
    pub extra_row: Option<String>,
    /// The answer text (for failures).
    pub answer: String,
    /// Requests the replayed recording had no reply for.
    pub changed_requests: Vec<Miss>,
    /// A gold SQL that did not run (a broken dev set entry).
    pub gold_error: Option<String>,
}

impl Harness {
    /// Runs every question in order; follow-ups carry the thread of the question they follow.
    pub async fn run(&self, set: &DevSet) -> Vec<CaseResult> {
        let mut threads: HashMap<String, Vec<Turn>> = HashMap::new();
        let mut out = Vec::with_capacity(set.questions.len());
        for case in &set.questions {
            let history = case.follows.as_ref().and_then(|p| threads.get(p)).cloned().unwrap_or_default();
            self.label.set(format!("{} (turn {})", case.id, history.len() + 1));
            let answer = self
                .pipeline
                .ask(
                    Question { text: case.question.clone(), history: history.clone() },
                    &NoProgress,
                    CancellationToken::new(),
                )
                .await;
            let misses = self.replay.as_ref().map(|r| r.take_misses()).unwrap_or_default();
            let mut thread = history;
            thread.push(turn_of(&answer));
            threads.insert(case.id.clone(), thread);
            out.push(self.judge(case, &answer, misses).await);
        }
        out
    }

    /// Runs one gold SQL on the engine.
    pub async fn gold(&self, sql: &str) -> Result<QueryResult, String> {
        let opts = ExecOptions {
            row_cap: usize::try_from(self.row_limit).unwrap_or(usize::MAX),
            timeout: Duration::from_secs(120),
            cancel: CancellationToken::new(),
            reuse: false,
        };
        execute::run(self.engine.as_ref(), &self.catalog, sql, self.row_limit, &opts, execute::Origin::Verified)
            .await
            .map(|(_, r)| r)
            .map_err(|e| e.to_string())
    }

    async fn judge(&self, case: &Case, answer: &Answer, misses: Vec<Miss>) -> CaseResult {
        let mut golds = Vec::new();
        let mut gold_error = None;
        for sql in case.golds() {
            match self.gold(sql).await {
                Ok(r) => golds.push(r),
                Err(e) => gold_error = Some(e.to_string()),
            }
        }
        let declined = answer.outcome == Outcome::Declined;
        let predicted =
            answer.result.as_ref().filter(|_| matches!(answer.outcome, Outcome::Answered | Outcome::NoRows));
        let passed = match case.expect {
            Expect::Decline => declined,
            Expect::Rows => predicted.is_some_and(|p| golds.iter().any(|g| matches(g, p, case.spec))),
        };
        let (missing_row, extra_row) = match (golds.first(), predicted) {
            (Some(g), Some(p)) if !passed => first_difference(g, p),
            _ => (None, None),
        };
        let model_attempts = if answer.verified.is_some() { 0 } else { answer.attempts.len() };
        let input_tokens: u64 = answer.attempts.iter().map(|a| u64::from(a.input_tokens)).sum();
        let output_tokens: u64 = answer.attempts.iter().map(|a| u64::from(a.output_tokens)).sum();
        CaseResult {
            id: case.id.clone(),
            category: case.category.clone(),
            question: case.question.clone(),
            passed,
            outcome: outcome_name(&answer.outcome).into(),
            attempts: model_attempts,
            rescued: passed && rescued(answer),
            declined,
            verified: answer.verified.clone(),
            input_tokens,
            output_tokens,
            latency_ms: u64::try_from(answer.elapsed.as_millis()).unwrap_or(u64::MAX),
            cost_usd: self.price.map(|(i, o)| (input_tokens as f64 * i + output_tokens as f64 * o) / 1e6),
            gold_sql: case.gold.clone(),
            predicted_sql: answer.sql.clone(),
            rows: (golds.first().map(|g| g.rows.len()), predicted.map(|p| p.rows.len())),
            missing_row,
            extra_row,
            answer: answer.text.clone(),
            changed_requests: misses,
            gold_error,
        }
    }
}

/// A retry rescued the answer: an earlier attempt failed, or came back empty and the final one found rows.
fn rescued(answer: &Answer) -> bool {
    let Some((last, earlier)) = answer.attempts.split_last() else { return false };
    earlier.iter().any(|a| a.error.is_some() || (a.rows == Some(0) && last.rows.is_some_and(|n| n > 0)))
}

fn turn_of(answer: &Answer) -> Turn {
    Turn {
        question: answer.question.clone(),
        sql: answer.sql.clone(),
        columns: answer.result.as_ref().map(|r| r.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default(),
        row_count: answer.result.as_ref().map_or(0, |r| r.rows.len()),
        answer: answer.text.clone(),
    }
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Answered => "answered",
        Outcome::NoRows => "no rows",
        Outcome::Declined => "declined",
        Outcome::NeedsModel { .. } => "needs model",
        Outcome::Failed => "failed",
    }
}
