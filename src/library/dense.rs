//! Dense scores for retrieval: every library text embedded once (the embedder caches on disk), the question per
//! call, best cosine per entry. Bounded in time and skipped for a while after a failure, so an embedding outage
//! only ever makes retrieval lexical, never slow or failing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};

use super::Library;
use super::embed::{EmbedError, Embedder, cosine};

/// Longest a question waits for dense scores (library vectors still missing included) before going lexical.
pub const QUESTION_BUDGET: Duration = Duration::from_secs(5);
/// After a failure, dense scoring is not tried again for this long.
pub const COOLDOWN: Duration = Duration::from_secs(30);
/// Embedding calls in flight at once while embedding the library.
const CONCURRENCY: usize = 8;

/// Why dense scores are not available for a question.
#[derive(Debug, thiserror::Error)]
pub enum DenseError {
    /// The embedding model failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The embedding model did not answer in time.
    #[error("embeddings did not arrive within {0:?}")]
    Timeout(Duration),
}

/// Library text vectors and the embedder that makes question vectors.
pub struct DenseIndex {
    embedder: Arc<dyn Embedder>,
    question_embedder: Option<Arc<dyn Embedder>>,
    library: Arc<Library>,
    vectors: tokio::sync::OnceCell<Vec<(usize, Vec<f32>)>>,
    failed_at: Mutex<Option<Instant>>,
    budget: Duration,
}

impl DenseIndex {
    /// Dense scoring of `library` with `embedder`, answering within [`QUESTION_BUDGET`].
    pub fn new(embedder: Arc<dyn Embedder>, library: Arc<Library>) -> Self {
        Self {
            embedder,
            question_embedder: None,
            library,
            vectors: tokio::sync::OnceCell::new(),
            failed_at: Mutex::new(None),
            budget: QUESTION_BUDGET,
        }
    }

    /// Embeds questions with `embedder` instead (for example the uncached model, so questions are never written
    /// to the library's disk cache).
    pub fn with_question_embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.question_embedder = Some(embedder);
        self
    }

    /// Sets how long a question may wait for dense scores.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Embeds every library text now, each distinct text once; returns how many texts have vectors.
    ///
    /// # Errors
    /// The first embedding failure; texts embedded before it stay in the embedder's cache.
    pub async fn warm(&self) -> Result<usize, EmbedError> {
        self.vectors().await.map(Vec::len)
    }

    async fn vectors(&self) -> Result<&Vec<(usize, Vec<f32>)>, EmbedError> {
        self.vectors
            .get_or_try_init(|| async {
                let texts: Vec<(usize, &str)> = self
                    .library
                    .entries()
                    .iter()
                    .enumerate()
                    .flat_map(|(i, e)| e.texts().map(move |t| (i, t)))
                    .collect();
                let mut distinct: Vec<&str> = texts.iter().map(|(_, t)| *t).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let owned: Vec<String> = distinct.iter().map(|t| t.to_string()).collect();
                let embedder = self.embedder.clone();
                let made: Vec<Vec<f32>> = futures::stream::iter(owned)
                    .map(move |text| {
                        let embedder = embedder.clone();
                        async move { embedder.embed(&text).await }
                    })
                    .buffered(CONCURRENCY)
                    .try_collect()
                    .await?;
                let by_text: HashMap<&str, Vec<f32>> = distinct.into_iter().zip(made).collect();
                Ok(texts.into_iter().map(|(i, t)| (i, by_text[t].clone())).collect())
            })
            .await
    }

    async fn try_scores(&self, question: &str) -> Result<Vec<f32>, EmbedError> {
        let texts = self.vectors().await?;
        let q = self.question_embedder.as_ref().unwrap_or(&self.embedder).embed(question).await?;
        let mut best = vec![0.0f32; self.library.entries().len()];
        for (i, v) in texts {
            best[*i] = best[*i].max(cosine(&q, v).max(0.0));
        }
        Ok(best)
    }

    /// Best cosine per entry for `question`, or `None` when embeddings are unavailable (the cause is logged).
    pub async fn scores(&self, question: &str) -> Option<Vec<f32>> {
        if let Some(at) = *self.failed_at.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < COOLDOWN
        {
            tracing::debug!("embeddings failed recently; lexical retrieval only");
            return None;
        }
        let outcome = match tokio::time::timeout(self.budget, self.try_scores(question)).await {
            Ok(done) => done.map_err(DenseError::from),
            Err(_) => Err(DenseError::Timeout(self.budget)),
        };
        match outcome {
            Ok(scores) => Some(scores),
            Err(err) => {
                tracing::warn!(
                    error = %err,
                    model = %self.embedder.model_id(),
                    retry_in_secs = COOLDOWN.as_secs(),
                    "embedding failed; answering with lexical retrieval only"
                );
                *self.failed_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// An embedder that counts calls and either fails or answers after a delay.
    struct Scripted {
        calls: AtomicUsize,
        delay: Duration,
        fail: bool,
    }

    #[async_trait::async_trait]
    impl Embedder for Scripted {
        fn model_id(&self) -> &str {
            "scripted"
        }
        async fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            if self.fail {
                return Err(EmbedError::Call("service unavailable".into()));
            }
            Ok(vec![text.len() as f32, 1.0])
        }
    }

    fn index(delay: Duration, fail: bool) -> (Arc<Scripted>, DenseIndex) {
        let embedder = Arc::new(Scripted { calls: AtomicUsize::new(0), delay, fail });
        let library = Arc::new(Library::embedded().expect("embedded library"));
        (embedder.clone(), DenseIndex::new(embedder, library))
    }

    #[tokio::test]
    async fn a_working_model_scores_every_entry() {
        let (_, dense) = index(Duration::ZERO, false);
        let scores = dense.scores("was root used").await.expect("dense scores");
        assert_eq!(scores.len(), Library::embedded().unwrap().entries().len());
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[tokio::test]
    async fn a_model_slower_than_the_budget_gives_no_dense_scores_in_time() {
        let (_, dense) = index(Duration::from_secs(30), false);
        let dense = dense.with_budget(Duration::from_millis(50));
        let started = Instant::now();
        assert_eq!(dense.scores("was root used").await, None);
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn after_a_failure_the_model_is_left_alone_during_the_cooldown() {
        let (embedder, dense) = index(Duration::ZERO, true);
        assert_eq!(dense.scores("was root used").await, None);
        let tried = embedder.calls.load(Ordering::SeqCst);
        assert!(tried > 0);
        assert_eq!(dense.scores("who opened ssh").await, None);
        assert_eq!(embedder.calls.load(Ordering::SeqCst), tried, "no call during the cooldown");
    }
}
