//! Verified question→SQL library: loading, checking and hybrid retrieval (Korean and English).
//!
//! # File format
//! Each `prompts/library/<topic>.toml` holds `[[entry]]` tables:
//!
//! ```toml
//! [[entry]]
//! id = "root-usage"                       # unique, lowercase letters, digits and '-'
//! question_en = "Was the root user used?"
//! question_ko = "루트 계정을 사용한 기록이 있나요?"
//! paraphrases_en = ["…", "…"]             # at least two
//! paraphrases_ko = ["…", "…"]             # at least two
//! tags = ["root", "iam"]
//! params = { window = "7d", ip = "" }     # name = default; "" = required (must come from the question)
//! sql = """
//! SELECT … FROM cloudtrail
//! WHERE event_time >= {{ start }} AND event_time < {{ end }} AND source_ip = {{ ip }}
//! """
//! ```
//!
//! Parameter names are fixed and each has a kind:
//! - `window` (required on every entry; default like `"24h"`, `"7d"`, `"30d"`): renders `{{ start }}` and
//!   `{{ end }}` as `TIMESTAMP 'YYYY-MM-DD HH:MM:SS'` literals in UTC. Time phrases in the question ("어제",
//!   "last 24 hours") replace the default window.
//! - `ip` (IPv4), `account` (12 digits), `principal` (ARN or IAM user name), `region` (`us-east-1`): render as
//!   quoted string literals; `port` renders as an integer.
//!
//! Every `{{ … }}` placeholder must be declared, every declared parameter must be used, and the SQL (rendered with
//! defaults or example values) must parse as one query. `status = "candidate"` marks review-file entries (see
//! [`candidates`]); they are refused in the served library.

pub mod candidates;
pub mod cli;
pub mod embed;
pub mod entry;
pub mod eval;
pub mod extract;
pub mod lexical;
pub mod load;
pub mod params;
pub mod retriever;
pub mod text;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use entry::Entry;
pub use load::{Library, LibraryError};
pub use retriever::HybridRetriever;

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
