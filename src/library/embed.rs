//! Optional dense embeddings for retrieval: Bedrock Titan Text Embeddings v2 through `InvokeModel`, with an on-disk
//! cache keyed by a SHA-256 of model id and text.

use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_bedrockruntime::primitives::Blob;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, LlmConfig};

/// Why an embedding could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model call failed.
    #[error("embedding model call failed: {0}")]
    Call(String),
    /// The model answered something we could not read.
    #[error("embedding response unreadable: {0}")]
    Response(String),
}

/// Turns text into a vector.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// Model id, part of the cache key.
    fn model_id(&self) -> &str;
    /// Embeds one text.
    async fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError>;
}

/// Titan Text Embeddings v2 on Bedrock Runtime.
pub struct BedrockEmbedder {
    client: aws_sdk_bedrockruntime::Client,
    model_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TitanRequest<'a> {
    input_text: &'a str,
    dimensions: u32,
    normalize: bool,
}

#[derive(Deserialize)]
struct TitanResponse {
    embedding: Vec<f32>,
}

impl BedrockEmbedder {
    /// Wraps an SDK client.
    pub fn new(client: aws_sdk_bedrockruntime::Client, model_id: impl Into<String>) -> Self {
        Self { client, model_id: model_id.into() }
    }

    /// Builds a client from `[aws]` and `[llm]` (region, profile, endpoint overrides), like the Converse client.
    pub async fn from_config(config: &Config) -> Self {
        let sdk = crate::llm::aws::sdk_config(&config.aws, &config.llm.region).await;
        Self::from_sdk_config(&sdk, &config.llm)
    }

    /// Builds a client from an already loaded SDK config and `[llm]` (its endpoint override and embedding model).
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig, llm: &LlmConfig) -> Self {
        let mut builder = aws_sdk_bedrockruntime::config::Builder::from(sdk);
        if !llm.endpoint_url.is_empty() {
            builder = builder.endpoint_url(&llm.endpoint_url);
        }
        Self::new(aws_sdk_bedrockruntime::Client::from_conf(builder.build()), &llm.embedding_model_id)
    }
}

#[async_trait::async_trait]
impl Embedder for BedrockEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    #[tracing::instrument(name = "bedrock_embed", skip_all, fields(model = %self.model_id, chars = text.chars().count()))]
    async fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let body = serde_json::to_vec(&TitanRequest { input_text: text, dimensions: 512, normalize: true })
            .map_err(|e| EmbedError::Call(e.to_string()))?;
        let out = self
            .client
            .invoke_model()
            .model_id(&self.model_id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(body))
            .send()
            .await
            .map_err(|e| EmbedError::Call(aws_sdk_bedrockruntime::error::DisplayErrorContext(e).to_string()))?;
        let parsed: TitanResponse =
            serde_json::from_slice(out.body().as_ref()).map_err(|e| EmbedError::Response(e.to_string()))?;
        if parsed.embedding.is_empty() {
            return Err(EmbedError::Response("empty embedding".into()));
        }
        Ok(parsed.embedding)
    }
}

/// Caches another embedder's vectors as JSON files named by `sha256(model id + "\n" + text)`.
pub struct CachedEmbedder {
    inner: Arc<dyn Embedder>,
    dir: PathBuf,
}

impl CachedEmbedder {
    /// Caches `inner` under `dir` (created on first write).
    pub fn new(inner: Arc<dyn Embedder>, dir: impl Into<PathBuf>) -> Self {
        Self { inner, dir: dir.into() }
    }

    /// The cache file for `text`.
    pub fn path_for(&self, text: &str) -> PathBuf {
        let mut hasher = Sha256::new();
        hasher.update(self.inner.model_id().as_bytes());
        hasher.update(b"\n");
        hasher.update(text.as_bytes());
        self.dir.join(format!("{}.json", hex::encode(hasher.finalize())))
    }
}

#[async_trait::async_trait]
impl Embedder for CachedEmbedder {
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    async fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let path = self.path_for(text);
        if let Ok(bytes) = tokio::fs::read(&path).await
            && let Ok(vector) = serde_json::from_slice::<Vec<f32>>(&bytes)
            && !vector.is_empty()
        {
            return Ok(vector);
        }
        let vector = self.inner.embed(text).await?;
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&path, serde_json::to_vec(&vector)?).await
        };
        if let Err(err) = write.await {
            tracing::warn!(path = %path.display(), error = %err, "could not cache an embedding");
        }
        Ok(vector)
    }
}

/// Cosine similarity of two vectors (0 when either is empty or they differ in length).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { (dot / (na * nb)).clamp(-1.0, 1.0) }
}
