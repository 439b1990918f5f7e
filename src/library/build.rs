//! The retriever `[library]` and `[llm]` describe: lexical retrieval always, Bedrock embeddings fused in when
//! `[llm] provider = "bedrock"` and `[llm] embedding_model_id` is set.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use aws_config::SdkConfig;

use super::embed::{BedrockEmbedder, CachedEmbedder};
use super::{HybridRetriever, Library, Retriever};
use crate::config::{Config, LlmProvider};

/// Longest start-up waits for the library's embeddings before serving with lexical retrieval (the cache keeps
/// whatever was embedded, and later questions carry on from there).
pub const WARM_BUDGET: Duration = Duration::from_secs(120);

/// Whether the configuration asks for dense retrieval: Bedrock as the model provider and an embedding model id.
pub fn embeddings_configured(config: &Config) -> bool {
    config.llm.provider == LlmProvider::Bedrock && !config.llm.embedding_model_id.trim().is_empty()
}

/// The retriever the question path uses, from `[library]` and `[llm]`.
///
/// With embeddings configured, the library texts are embedded before this returns (read from
/// `[library] embedding_cache_dir` after the first run); questions are embedded per call and not cached. An embedding failure, now or while answering, is logged
/// and retrieval falls back to lexical scores; it never fails the build or a question.
///
/// # Errors
/// When the library does not load or is invalid (the message names each broken entry and why).
pub async fn retriever_from_config(config: &Config) -> anyhow::Result<Arc<dyn Retriever>> {
    Ok(Arc::new(HybridRetriever::from_config(config).await?))
}

impl HybridRetriever {
    /// [`retriever_from_config`] as the concrete type (for `asklake library match` and tests).
    ///
    /// # Errors
    /// When the library does not load or is invalid.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        if !embeddings_configured(config) {
            return lexical(config);
        }
        let sdk = crate::llm::aws::sdk_config(&config.aws, &config.llm.region).await;
        Self::from_sdk_config(config, &sdk).await
    }

    /// Like [`HybridRetriever::from_config`] with the AWS SDK configuration given (credentials, endpoint, retries).
    ///
    /// # Errors
    /// When the library does not load or is invalid.
    pub async fn from_sdk_config(config: &Config, sdk: &SdkConfig) -> anyhow::Result<Self> {
        let me = lexical(config)?;
        if !embeddings_configured(config) {
            return Ok(me);
        }
        let bedrock = Arc::new(BedrockEmbedder::from_sdk_config(sdk, &config.llm));
        let cached = CachedEmbedder::new(bedrock.clone(), &config.library.embedding_cache_dir);
        // Library vectors are cached on disk; questions are embedded fresh and never written down.
        let me = me.with_embedders(Arc::new(cached), bedrock);
        let cache = config.library.embedding_cache_dir.display();
        match tokio::time::timeout(WARM_BUDGET, me.warm()).await {
            Ok(Ok(texts)) => tracing::info!(texts, %cache, "library embeddings ready"),
            Ok(Err(err)) => tracing::warn!(
                error = %err,
                %cache,
                "could not embed the library; retrieval is lexical until the embedding model answers"
            ),
            Err(_) => tracing::warn!(
                budget_secs = WARM_BUDGET.as_secs(),
                %cache,
                "embedding the library is taking too long; serving with lexical retrieval meanwhile"
            ),
        }
        Ok(me)
    }
}

fn lexical(config: &Config) -> anyhow::Result<HybridRetriever> {
    let library = Library::from_config(&config.library).context("could not load the verified query library")?;
    Ok(HybridRetriever::new(library, config.library.short_circuit_threshold, config.library.top_k)
        .with_accounts(config.accounts()))
}
