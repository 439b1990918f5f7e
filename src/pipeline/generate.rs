//! One model call for SQL, under a timeout, with its outcome classified for the retry loop.

use std::time::Duration;

use crate::llm::{Generation, GenerationRequest, Llm, LlmError};

/// Asks `llm` for SQL, giving up after `timeout`.
pub async fn generate(llm: &dyn Llm, request: &GenerationRequest, timeout: Duration) -> Result<Generation, LlmError> {
    let span = tracing::info_span!("pipeline.generate", model = llm.name());
    match tokio::time::timeout(timeout, tracing::Instrument::instrument(llm.generate(request), span)).await {
        Ok(result) => result,
        Err(_) => Err(LlmError::Timeout(timeout)),
    }
}

/// Whether two SQL texts are the same query up to whitespace, case and a trailing semicolon.
pub fn same_sql(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_equality_ignores_layout_and_trailing_semicolon() {
        assert!(same_sql("SELECT 1\n FROM t;", "select 1 from t"));
        assert!(!same_sql("SELECT 1", "SELECT 2"));
    }
}
