//! The question pipeline: normalise, retrieve, prompt, generate, validate, execute, diagnose, answer.

pub mod answer;
pub mod cli;
pub mod diagnose;
pub mod execute;
pub mod generate;
pub mod normalise;
pub mod prompt;
mod retry;
pub mod run;
pub mod slice;
pub mod sources;
pub mod summary;
pub mod total;
pub mod validate;

pub use run::{Clock, Pipeline, PipelineParts};

use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::engines::QueryResult;

/// Language of a question and its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Language {
    /// English.
    En,
    /// Korean.
    Ko,
}

/// One earlier exchange in a thread, carried into follow-ups.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Turn {
    /// The question asked.
    pub question: String,
    /// The SQL that answered it (logical tables), if any.
    pub sql: Option<String>,
    /// Result column names.
    pub columns: Vec<String>,
    /// Rows returned.
    pub row_count: usize,
    /// The short answer given.
    pub answer: String,
}

/// A question to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The text as typed.
    pub text: String,
    /// Earlier turns of the same thread, oldest first.
    pub history: Vec<Turn>,
}

/// A step the pipeline reports while it works.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Looking up verified queries.
    Retrieving,
    /// Asking the model for SQL.
    Generating {
        /// 1-based attempt.
        attempt: u32,
        /// Attempts allowed.
        max: u32,
    },
    /// Running SQL on the engine.
    Running {
        /// 1-based attempt.
        attempt: u32,
        /// Engine name.
        engine: &'static str,
        /// Bytes scanned so far, where known.
        bytes_scanned: Option<u64>,
    },
    /// Writing the answer.
    Answering,
}

/// Receives progress updates (a Slack status message, a terminal spinner…).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    /// Called on every step; must not block for long.
    async fn update(&self, progress: Progress);
}

/// Ignores progress.
pub struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn update(&self, _progress: Progress) {}
}

/// One try at producing and running SQL, kept for the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// 1-based number.
    pub number: u32,
    /// SQL produced (logical tables), if any.
    pub sql: Option<String>,
    /// Validation or engine error fed back, if any.
    pub error: Option<String>,
    /// Rows returned, if it ran.
    pub rows: Option<usize>,
    /// Time spent on this attempt.
    pub elapsed: Duration,
    /// Model input tokens.
    pub input_tokens: u32,
    /// Model output tokens.
    pub output_tokens: u32,
}

/// How a question ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Outcome {
    /// Rows found and summarised.
    Answered,
    /// The query was confirmed and found nothing: "no matching events" is the answer.
    NoRows,
    /// The model declined: not a question about the lake.
    Declined,
    /// A free-form question but no model is configured.
    NeedsModel {
        /// The closest verified questions to try instead.
        suggestions: Vec<String>,
    },
    /// Could not answer; the text says what to do next.
    Failed,
}

/// The pipeline's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// Language of the question and of `text`.
    pub language: Language,
    /// Short answer (or polite decline / error with next step), in `language`. Plain text, not escaped.
    pub text: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Final SQL over logical tables, if any.
    pub sql: Option<String>,
    /// Result rows, if the query ran.
    pub result: Option<QueryResult>,
    /// Every attempt.
    pub attempts: Vec<Attempt>,
    /// Library entry id when answered by a verified query without the model.
    pub verified: Option<String>,
    /// Engine name.
    pub engine: String,
    /// Total time.
    pub elapsed: Duration,
    /// Verified queries the asker can run as they are, with the parameters taken from the question: the close
    /// ones when no model is configured, or the closest one beside a model-written answer that differs from it.
    pub offers: Vec<crate::library::Offer>,
}

/// Answers questions. The Slack app and the terminal both hold an `Arc<dyn Asker>`.
#[async_trait::async_trait]
pub trait Asker: Send + Sync {
    /// Answers `question`, reporting progress; stops early when `cancel` fires.
    async fn ask(&self, question: Question, progress: &dyn ProgressSink, cancel: CancellationToken) -> Answer;

    /// Runs an offered verified query (a button press, `asklake ask --run`); the parameters are checked again.
    async fn run_offer(
        &self,
        offer: &crate::library::Offer,
        progress: &dyn ProgressSink,
        cancel: CancellationToken,
    ) -> Answer {
        let _ = (progress, cancel);
        Answer::failed_with(&offer.question, "This setup cannot run verified queries from a button.")
    }
}

impl Answer {
    /// A failed answer to `question` saying `text` (language from the question).
    pub fn failed_with(question: &str, text: &str) -> Self {
        Self {
            question: question.to_owned(),
            language: normalise::detect_language(question),
            text: text.to_owned(),
            outcome: Outcome::Failed,
            sql: None,
            result: None,
            attempts: Vec::new(),
            verified: None,
            engine: String::new(),
            elapsed: Duration::ZERO,
            offers: Vec::new(),
        }
    }
}
