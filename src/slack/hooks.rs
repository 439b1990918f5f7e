//! Hooks the Slack app calls into other parts: filing a 👍 answer as a verified-library candidate.

/// A question/SQL pair a user marked as good, proposed for the verified library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The question as asked.
    pub question: String,
    /// The SQL that answered it (logical tables).
    pub sql: String,
    /// Slack user id of the person who asked.
    pub asker: String,
    /// The short answer given.
    pub summary: String,
}

/// Files library candidates (the library part writes them to `[library] candidates_file` for review).
pub trait CandidateSink: Send + Sync {
    /// Files `candidate`.
    ///
    /// # Errors
    /// When the candidate could not be written; the vote itself is still recorded.
    fn file(&self, candidate: &Candidate) -> anyhow::Result<()>;
}

/// Files nothing (used until the library's candidate file is wired).
#[derive(Debug, Default)]
pub struct NoCandidates;

impl CandidateSink for NoCandidates {
    fn file(&self, candidate: &Candidate) -> anyhow::Result<()> {
        tracing::info!(asker = %candidate.asker, "👍 received; no library candidate file is wired");
        Ok(())
    }
}

/// Adapts a closure, e.g. `|c| library::candidates::file_candidate(&path, &c.question, &c.sql, &c.asker, &c.summary)`.
pub struct CandidateFn<F>(pub F);

impl<F> CandidateSink for CandidateFn<F>
where
    F: Fn(&Candidate) -> anyhow::Result<()> + Send + Sync,
{
    fn file(&self, candidate: &Candidate) -> anyhow::Result<()> {
        (self.0)(candidate)
    }
}
