//! Verified question→SQL library: loading, checking and hybrid retrieval (Korean and English).

pub mod cli;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A verified example offered to the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Library entry id.
    pub id: String,
    /// The entry's question (in the asker's language when available).
    pub question: String,
    /// SQL over logical tables with parameters filled in.
    pub sql: String,
    /// Similarity in [0, 1].
    pub score: f32,
}

/// What retrieval found for a question.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Retrieval {
    /// A near-exact match with all parameters resolved: run its SQL without the model.
    pub verified: Option<Example>,
    /// Closest entries, best first, for few-shot prompting and suggestions.
    pub examples: Vec<Example>,
}

/// Finds verified queries for a question.
#[async_trait::async_trait]
pub trait Retriever: Send + Sync {
    /// Retrieves for `question` asked at `now` in time zone `tz`.
    async fn retrieve(&self, question: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Retrieval;
}
